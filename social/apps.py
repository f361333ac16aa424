from django.apps import AppConfig


class SocialConfig(AppConfig):
    name = "social"
    verbose_name = "Social media"

    def ready(self):
        from django.core import checks

        from social.checks import half_set_app_credentials, local_platform_in_production

        checks.register(local_platform_in_production, checks.Tags.security)
        checks.register(half_set_app_credentials)
