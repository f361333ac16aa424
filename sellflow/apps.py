from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class SellflowConfig(AppConfig):
    """The project's own models and checks: what every app shares (idempotency records, quota counts)."""

    name = "sellflow"
    verbose_name = "Platform"

    def ready(self):
        from django.core import checks

        from sellflow import tasks  # noqa: F401  (registers the platform's periodic jobs)
        from sellflow.checks import (
            field_encryption_development_key,
            field_encryption_keys,
            private_files_location,
            public_addresses,
        )
        from sellflow.input_types import hold_input_types_to_the_schema

        checks.register(private_files_location, checks.Tags.security)
        checks.register(field_encryption_keys, checks.Tags.security)
        checks.register(field_encryption_development_key, checks.Tags.security, deploy=True)
        checks.register(public_addresses, checks.Tags.security, deploy=True)
        hold_input_types_to_the_schema()


class SellflowAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, on the site whose sign-in form is throttled."""

    default = False  # named in INSTALLED_APPS; SellflowConfig stays this module's default
    default_site = "sellflow.admin_site.SellflowAdminSite"
