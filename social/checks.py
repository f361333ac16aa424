from django.conf import settings
from django.core.checks import Error


def local_platform_in_production(app_configs, **kwargs):
    """Every start: the built-in local platform publishes nothing, so a production server (DEBUG
    off, a real database) that has it on would tell sellers their posts are live when they are not."""
    if settings.SOCIAL_LOCAL_PLATFORM and not settings.DEBUG and settings.DATABASE_URL:
        return [Error(
            "SOCIAL_LOCAL_PLATFORM is on: posts to platforms without app credentials are only recorded "
            "locally, never published.",
            hint="Unset SOCIAL_LOCAL_PLATFORM (it is for development) and set META_APP_ID / META_APP_SECRET "
                 "and X_CLIENT_ID / X_CLIENT_SECRET.",
            id="social.E001",
        )]
    return []
