"""Fake clocks shared by several test folders."""

from datetime import UTC, datetime, timedelta


class FakeTokenClock:
    """The clocks tokens are stamped and checked with (simplejwt's and PyJWT's), moved by hand."""

    def __init__(self, monkeypatch):
        import jwt.api_jwt
        from rest_framework_simplejwt import tokens

        self.now = datetime.now(tz=UTC)
        clock = self

        class FakeDatetime(datetime):
            @classmethod
            def now(cls, tz=None):
                return clock.now if tz else clock.now.replace(tzinfo=None)

        monkeypatch.setattr(tokens, "aware_utcnow", lambda: clock.now)
        monkeypatch.setattr(jwt.api_jwt, "datetime", FakeDatetime)

    def advance(self, delta: timedelta) -> None:
        self.now += delta
