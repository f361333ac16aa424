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


def half_set_app_credentials(app_configs, **kwargs):
    """Every start: a platform app set up halfway would fail at its first call, in front of a seller
    (or, for Meta, leave webhooks unverifiable); say so when the server starts instead."""
    errors = []
    if bool(settings.META_APP_ID) != bool(settings.META_APP_SECRET):
        errors.append(Error(
            "META_APP_ID and META_APP_SECRET are set one without the other: Meta signs every call and every "
            "webhook with the app's secret, and logs sellers in with its id.",
            hint="Set both, from the Meta app's Settings > Basic page, or neither.",
            id="social.E002",
        ))
    if settings.X_CLIENT_SECRET and not settings.X_CLIENT_ID:
        errors.append(Error(
            "X_CLIENT_SECRET is set without X_CLIENT_ID: a secret for no client.",
            hint="Set X_CLIENT_ID, the OAuth 2.0 client id of the X app (its secret is optional for a public "
                 "client).",
            id="social.E003",
        ))
    return errors
