"""The tokens of a session. Each session gets an id when it starts; simplejwt copies every claim
but jti/exp/iat/token_type into its access tokens and keeps them when it rotates the refresh
token, so every token of the session carries it and logout can close that session's sockets.
Each refresh token is also recorded under its session's id (accounts.models.SessionToken) as it
is issued, at sign-in and at every refresh, so logout finds them all by an indexed lookup."""

import secrets

from django.db import transaction
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import SessionToken
from sellflow.ws_sessions import SESSION_ID_CLAIM, UNNAMED_SESSION, session_id_of


class SessionRefreshToken(RefreshToken):
    def __init__(self, token=None, verify: bool = True) -> None:
        super().__init__(token, verify)
        if token is None:
            # Set before for_user records the token as outstanding, so the stored text has it too.
            self[SESSION_ID_CLAIM] = secrets.token_urlsafe(16)

    @classmethod
    def for_user(cls, user):
        """A new session's first refresh token, outstanding and recorded under its session."""
        with transaction.atomic():
            token = super().for_user(user)
            token.record_session()
        return token

    def outstand(self):
        """simplejwt calls it on the rotated refresh token a refresh answers."""
        with transaction.atomic():
            outstanding = super().outstand()
            self.record_session()
        return outstanding

    def record_session(self) -> None:
        """Record this (outstanding) refresh token under its session."""
        session_id = session_id_of(self)
        if session_id == UNNAMED_SESSION:
            return  # a token from before sessions had ids: logout blacklists it alone
        # One INSERT, a no-op when this token was already recorded (outstand is idempotent too).
        SessionToken.objects.bulk_create(
            [SessionToken(token_id=self[jwt_settings.JTI_CLAIM], session_id=session_id)], ignore_conflicts=True
        )
