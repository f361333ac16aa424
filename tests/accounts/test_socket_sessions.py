"""Open sockets end with their session: logout closes that session's sockets, a password change
or reset, a deactivation or a deleted account closes all of the user's, each with 4401 and only
once the change is committed."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.services import session_logout, tokens_for_user, user_revoke_all_sessions
from notifications.realtime import send_to_user
from sellflow.asgi import application
from tests.accounts.admin_forms import change_form_data
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Another-Long-Passphrase-77"


async def open_socket(access: str) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(application, f"/ws/notifications/?token={access}")
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from(timeout=2))["type"] == "unread_count"
    return socket


async def close_code(socket: WebsocketCommunicator) -> int:
    output = await socket.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    return output["code"]


async def receives(socket: WebsocketCommunicator, user) -> bool:
    await database_sync_to_async(send_to_user)(user.pk, {"type": "job", "id": 1, "status": "done"})
    return await socket.receive_json_from(timeout=2) == {"type": "job", "id": 1, "status": "done"}


async def post(url: str, data: dict, access: str | None = None):
    client = APIClient()
    if access:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return await database_sync_to_async(client.post)(url, data, format="json")


def test_logout_closes_that_sessions_sockets_only():
    user = UserFactory()
    phone, laptop = tokens_for_user(user), tokens_for_user(user)

    async def scenario():
        phone_socket = await open_socket(phone["access"])
        laptop_socket = await open_socket(laptop["access"])
        # The session id survives rotation: logging out with the rotated refresh token closes
        # the socket opened with the first access token.
        rotated = (await post("/api/auth/token/refresh/", {"refresh": phone["refresh"]})).json()

        response = await post("/api/auth/logout/", {"refresh": rotated["refresh"]}, access=rotated["access"])

        assert (response.status_code, response.json()) == (200, {"message": "Logged out."})
        assert await close_code(phone_socket) == 4401
        assert await laptop_socket.receive_nothing(timeout=0.3)
        assert await receives(laptop_socket, user)
        # The user's events no longer reach the closed socket, though it is still in their group
        # until the client acknowledges the close.
        assert await phone_socket.receive_nothing(timeout=0.3)
        await phone_socket.disconnect()
        await laptop_socket.disconnect()

    async_to_sync(scenario)()


def test_a_session_logged_out_without_its_access_token_cannot_open_sockets():
    user = UserFactory()
    phone, laptop = tokens_for_user(user), tokens_for_user(user)

    async def scenario():
        # As the API document's client logs out: the refresh token alone, no Authorization header.
        response = await post("/api/auth/logout/", {"refresh": phone["refresh"]})
        assert response.status_code == 200

        refused = WebsocketCommunicator(application, f"/ws/notifications/?token={phone['access']}")
        connected, _ = await refused.connect()
        assert connected  # accepted, then closed with the code that says "sign in again"
        assert await close_code(refused) == 4401
        await refused.disconnect()
        laptop_socket = await open_socket(laptop["access"])
        assert await receives(laptop_socket, user)
        await laptop_socket.disconnect()

    async_to_sync(scenario)()


def test_logout_of_a_session_from_before_session_ids_closes_only_sockets_without_one():
    user = UserFactory()
    legacy = RefreshToken.for_user(user)  # as issued before tokens carried a session id
    current = tokens_for_user(user)

    async def scenario():
        legacy_socket = await open_socket(str(legacy.access_token))
        current_socket = await open_socket(current["access"])

        response = await post("/api/auth/logout/", {"refresh": str(legacy)})

        assert response.status_code == 200
        assert await close_code(legacy_socket) == 4401
        assert await receives(current_socket, user)
        await legacy_socket.disconnect()
        await current_socket.disconnect()

    async_to_sync(scenario)()


def test_password_change_closes_every_socket_and_its_new_tokens_open_one():
    user = UserFactory()
    phone, laptop = tokens_for_user(user), tokens_for_user(user)

    async def scenario():
        phone_socket = await open_socket(phone["access"])
        laptop_socket = await open_socket(laptop["access"])

        response = await post(
            "/api/auth/password/change/",
            {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
            access=phone["access"],
        )

        assert response.status_code == 200, response.json()
        assert await close_code(phone_socket) == 4401
        assert await close_code(laptop_socket) == 4401
        fresh_socket = await open_socket(response.json()["access"])
        assert await receives(fresh_socket, user)
        for socket in (phone_socket, laptop_socket, fresh_socket):
            await socket.disconnect()

    async_to_sync(scenario)()


def test_password_reset_closes_every_socket():
    user = UserFactory()
    access = tokens_for_user(user)["access"]
    link = {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}

    async def scenario():
        socket = await open_socket(access)

        response = await post("/api/auth/password/reset/confirm/",
                              {**link, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD})

        assert response.status_code == 200, response.json()
        assert await close_code(socket) == 4401
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_refused_password_change_closes_nothing():
    user = UserFactory()
    access = tokens_for_user(user)["access"]

    async def scenario():
        socket = await open_socket(access)

        response = await post(
            "/api/auth/password/change/",
            {"old_password": "not-the-password", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
            access=access,
        )

        assert (response.status_code, response.json()["code"]) == (400, "invalid")
        assert await receives(socket, user)
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_rolled_back_revocation_closes_nothing():
    user = UserFactory()
    tokens = tokens_for_user(user)

    def revoke_then_roll_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            session_logout(user=user, refresh=tokens["refresh"], access_token=AccessToken(tokens["access"]))
            user_revoke_all_sessions(user=user)
            raise RuntimeError("the surrounding write failed")

    async def scenario():
        socket = await open_socket(tokens["access"])

        await database_sync_to_async(revoke_then_roll_back)()

        assert await socket.receive_nothing(timeout=0.3)
        assert await receives(socket, user)
        await socket.disconnect()

    async_to_sync(scenario)()


def test_deactivating_an_account_in_the_admin_closes_its_sockets(operator_client):
    user = UserFactory()
    access = tokens_for_user(user)["access"]
    data = change_form_data(operator_client, user)
    data.pop("is_active")

    async def scenario():
        socket = await open_socket(access)

        response = await database_sync_to_async(operator_client.post)(f"/admin/accounts/user/{user.pk}/change/", data)

        assert response.status_code == 302, response.context["adminform"].form.errors
        assert await close_code(socket) == 4401
        await socket.disconnect()

    async_to_sync(scenario)()
    user.refresh_from_db()
    assert user.is_active is False


def test_saving_an_active_account_in_the_admin_keeps_its_sockets(operator_client):
    user = UserFactory()
    access = tokens_for_user(user)["access"]
    data = {**change_form_data(operator_client, user), "company_name": "Kente House"}

    async def scenario():
        socket = await open_socket(access)

        response = await database_sync_to_async(operator_client.post)(f"/admin/accounts/user/{user.pk}/change/", data)

        assert response.status_code == 302
        assert await receives(socket, user)
        await socket.disconnect()

    async_to_sync(scenario)()


def test_an_operator_setting_a_password_ends_every_session(operator_client):
    user = UserFactory()
    tokens = tokens_for_user(user)

    async def scenario():
        socket = await open_socket(tokens["access"])

        response = await database_sync_to_async(operator_client.post)(
            f"/admin/accounts/user/{user.pk}/password/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        )

        assert response.status_code == 302
        assert await close_code(socket) == 4401
        await socket.disconnect()

    async_to_sync(scenario)()
    refreshed = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "token_not_valid")


def test_deleting_an_account_in_the_admin_closes_its_sockets(operator_client):
    user = UserFactory()
    access = tokens_for_user(user)["access"]

    async def scenario():
        socket = await open_socket(access)

        response = await database_sync_to_async(operator_client.post)(
            f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"}
        )

        assert response.status_code == 302
        assert await close_code(socket) == 4401
        await socket.disconnect()

    async_to_sync(scenario)()


def change_own_password(client, old_password: str):
    return client.post("/admin/password_change/",
                       {"old_password": old_password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_an_operator_changing_their_own_password_ends_every_session_of_theirs():
    operator = UserFactory(is_staff=True, is_superuser=True)
    tokens = tokens_for_user(operator)
    admin_client = Client()
    admin_client.force_login(operator)

    async def scenario():
        socket = await open_socket(tokens["access"])

        response = await database_sync_to_async(change_own_password)(admin_client, PASSWORD)

        assert (response.status_code, response["Location"]) == (302, "/admin/password_change/done/")
        assert await close_code(socket) == 4401
        await socket.disconnect()

    async_to_sync(scenario)()
    refreshed = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "token_not_valid")
    # The browser that made the change stays signed in to the admin, as Django keeps it.
    assert admin_client.get("/admin/").status_code == 200


def test_an_operators_refused_password_change_ends_nothing():
    operator = UserFactory(is_staff=True, is_superuser=True)
    tokens = tokens_for_user(operator)
    admin_client = Client()
    admin_client.force_login(operator)

    async def scenario():
        socket = await open_socket(tokens["access"])

        response = await database_sync_to_async(change_own_password)(admin_client, "not-the-password")

        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
        assert await receives(socket, operator)
        await socket.disconnect()

    async_to_sync(scenario)()
    refreshed = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refreshed.status_code == 200
