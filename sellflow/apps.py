from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SellflowConfig(AppConfig):
    """The project's own models: what every app shares (idempotency records)."""

    name = "sellflow"
    verbose_name = "Platform"

    def ready(self):
        from sellflow import tasks  # noqa: F401  (registers the platform's periodic jobs)


class SellflowAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, on the site whose sign-in form is throttled."""

    default = False  # named in INSTALLED_APPS; SellflowConfig stays this module's default
    default_site = "sellflow.admin_site.SellflowAdminSite"
