from django.apps import AppConfig


class SellflowConfig(AppConfig):
    """The project's own models: what every app shares (idempotency records)."""

    name = "sellflow"
    verbose_name = "Platform"

    def ready(self):
        from sellflow import tasks  # noqa: F401  (registers the platform's periodic jobs)
