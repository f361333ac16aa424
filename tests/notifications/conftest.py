import pytest


class ChannelLayerDown:
    async def group_send(self, group, message):
        raise ConnectionError("channel layer unreachable")


@pytest.fixture
def channel_layer_down(monkeypatch):
    """Every send to a user's sockets fails, as with Redis unreachable."""
    monkeypatch.setattr("notifications.realtime.get_channel_layer", ChannelLayerDown)
