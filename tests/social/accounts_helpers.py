"""What the account and OAuth tests share."""

X_CLIENT_ID = "x-client-id"
X_CLIENT_SECRET = "x-client-secret"


def raw_columns(account_pk: int) -> tuple[str, str]:
    """The stored access and refresh token columns, as the database holds them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM social_socialaccount WHERE id = %s", [account_pk])
        return cursor.fetchone()
