"""The tokens of a session. Each session gets an id when it starts; simplejwt copies every claim
but jti/exp/iat/token_type into its access tokens and keeps them when it rotates the refresh
token, so every token of the session carries it and logout can close that session's sockets."""

import secrets

from rest_framework_simplejwt.tokens import RefreshToken

from sellflow.ws_sessions import SESSION_ID_CLAIM


class SessionRefreshToken(RefreshToken):
    def __init__(self, token=None, verify: bool = True) -> None:
        super().__init__(token, verify)
        if token is None:
            # Set before for_user records the token as outstanding, so the stored text has it too.
            self[SESSION_ID_CLAIM] = secrets.token_urlsafe(16)
