from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
    verbose_name = "AI services"

    def ready(self):
        from django.core import checks

        from ai import receivers  # noqa: F401  (connects them)
        from ai.checks import ai_provider_settings

        checks.register(ai_provider_settings)
