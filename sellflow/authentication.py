"""HTTP authentication of the API: simplejwt's bearer tokens, refusing those of a session that
logged out (sellflow.ws_sessions.session_end), so logout ends a session on HTTP and sockets at
once, whatever the client sent with it. The check is one cache read per request."""

from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from sellflow.ws_sessions import session_has_ended


class SessionJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        if session_has_ended(validated_token):
            raise InvalidToken("This session has ended; sign in again.")
        return super().get_user(validated_token)
