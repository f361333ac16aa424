import pytest
from django.core import mail

from accounts.models import User
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
LOGIN = "/api/auth/login/"
ME = "/api/auth/user/me/"


def registration(**overrides):
    body = {
        "email": "user@example.com",
        "password": "securepassword123",
        "password_confirm": "securepassword123",
        "first_name": "John",
        "last_name": "Doe",
        "phone": "+233501234567",
    }
    return {**body, **overrides}


class TestRegister:
    def test_creates_a_seller_and_signs_in(self, api_client):
        response = api_client.post(REGISTER, registration(), format="json")

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "User registered successfully."
        assert body["user"]["email"] == "user@example.com"
        assert body["user"]["first_name"] == "John"
        assert body["user"]["is_verified"] is False
        assert body["user"]["onboarding_completed"] is False
        assert body["user"]["account_type"] == "seller"
        assert body["user"]["phone"] == "+233501234567"
        assert "password" not in body["user"]

        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert api_client.get(ME).json()["email"] == "user@example.com"

    def test_storefront_registers_buyers(self, api_client):
        response = api_client.post(REGISTER, registration(account_type="buyer"), format="json")

        assert response.status_code == 201
        assert response.json()["user"]["account_type"] == "buyer"
        assert response.json()["user"]["metrics"] is None

    def test_local_phone_numbers_are_stored_in_e164(self, api_client):
        response = api_client.post(REGISTER, registration(phone="050 123 4567"), format="json")

        assert response.status_code == 201
        assert User.objects.get().phone == "+233501234567"

    def test_duplicate_email_is_refused_whatever_its_case(self, api_client):
        UserFactory(email="user@example.com")

        response = api_client.post(REGISTER, registration(email="User@Example.COM"), format="json")

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert body["details"]["email"] == ["A user with this email already exists."]
        assert User.objects.count() == 1

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"password_confirm": "somethingelse123"}, "password_confirm"),
            ({"password": "short", "password_confirm": "short"}, "password"),
            ({"password": "12345678901", "password_confirm": "12345678901"}, "password"),
            ({"email": "not-an-email"}, "email"),
            ({"phone": "12"}, "phone"),
            ({"account_type": "admin"}, "account_type"),
        ],
    )
    def test_invalid_input_names_the_field(self, api_client, overrides, field):
        response = api_client.post(REGISTER, registration(**overrides), format="json")

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert set(body) == {"error", "code", "details"}
        assert field in body["details"]
        assert isinstance(body["details"][field], list)
        assert not User.objects.exists()

    def test_missing_fields(self, api_client):
        response = api_client.post(REGISTER, {}, format="json")

        assert response.status_code == 400
        assert set(response.json()["details"]) >= {"email", "password", "password_confirm"}

    def test_malformed_json_is_a_400_in_the_error_shape(self, api_client):
        response = api_client.post(REGISTER, data="{not json", content_type="application/json")

        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"
        assert response.json()["details"] == {}

    def test_unsupported_content_type_is_415(self, api_client):
        response = api_client.post(REGISTER, data="<xml/>", content_type="application/xml")

        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type"

    def test_wrong_types_are_400_not_500(self, api_client):
        response = api_client.post(REGISTER, {"email": ["a"], "password": {"x": 1}}, format="json")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"


class TestLogin:
    def test_returns_tokens_and_user(self, api_client):
        user = UserFactory(email="ama@example.com")

        response = api_client.post(LOGIN, {"email": "AMA@example.com", "password": PASSWORD}, format="json")

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access", "refresh", "user"}
        assert body["user"]["id"] == user.id
        assert body["user"]["first_name"] == user.first_name
        user.refresh_from_db()
        assert user.last_login is not None

    def test_wrong_password_and_unknown_email_answer_alike(self, api_client):
        UserFactory(email="ama@example.com")

        wrong_password = api_client.post(LOGIN, {"email": "ama@example.com", "password": "nope-nope"}, format="json")
        unknown_email = api_client.post(LOGIN, {"email": "who@example.com", "password": PASSWORD}, format="json")

        assert wrong_password.status_code == unknown_email.status_code == 401
        assert wrong_password.json() == unknown_email.json() == {
            "error": "Invalid email or password.",
            "code": "invalid_credentials",
            "details": {},
        }

    def test_inactive_user_cannot_log_in(self, api_client):
        UserFactory(email="gone@example.com", is_active=False)

        response = api_client.post(LOGIN, {"email": "gone@example.com", "password": PASSWORD}, format="json")

        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"

    def test_failed_logins_are_throttled_per_address_and_email_with_retry_after(self, api_client, throttle_rates):
        throttle_rates(login_failed="3/minute")
        UserFactory(email="target@example.com")
        for _ in range(3):
            api_client.post(LOGIN, {"email": "target@example.com", "password": "guess-guess"}, format="json")

        response = api_client.post(LOGIN, {"email": "TARGET@example.com", "password": PASSWORD}, format="json")

        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) > 0
        # Another account from the same address is not locked out by this one.
        other = UserFactory(email="other@example.com")
        assert api_client.post(LOGIN, {"email": other.email, "password": PASSWORD}, format="json").status_code == 200

    def test_throttled_per_ip_across_emails(self, api_client, throttle_rates):
        throttle_rates(login_ip="4/minute")
        for n in range(4):
            api_client.post(LOGIN, {"email": f"probe{n}@example.com", "password": "guess-guess"}, format="json")

        response = api_client.post(LOGIN, {"email": "probe9@example.com", "password": "guess-guess"}, format="json")

        assert response.status_code == 429
        assert "Retry-After" in response

    def test_register_is_throttled_too(self, api_client, throttle_rates):
        throttle_rates(register_ip="2/minute")
        api_client.post(REGISTER, registration(email="a@example.com"), format="json")
        api_client.post(REGISTER, registration(email="b@example.com"), format="json")

        response = api_client.post(REGISTER, registration(email="c@example.com"), format="json")

        assert response.status_code == 429
        assert not User.objects.filter(email="c@example.com").exists()


def test_register_is_throttled_per_email_across_addresses(api_client, throttle_rates):
    throttle_rates(register_email="2/minute")
    api_client.post(REGISTER, registration(email="same@example.com"), format="json", REMOTE_ADDR="10.0.0.1")
    api_client.post(REGISTER, registration(email="same@example.com"), format="json", REMOTE_ADDR="10.0.0.2")

    response = api_client.post(REGISTER, registration(email="same@example.com"), format="json", REMOTE_ADDR="10.0.0.3")

    assert response.status_code == 429


class TestTakenAddress:
    """The answer to a taken address cannot look like a new account's (that one carries tokens),
    so the owner of the address is told instead, once a day at most."""

    def test_the_owner_is_mailed_once_when_someone_registers_their_address(
        self, api_client, django_capture_on_commit_callbacks
    ):
        UserFactory(email="ama@example.com", first_name="Ama")

        with django_capture_on_commit_callbacks(execute=True):
            first = api_client.post(REGISTER, registration(email="AMA@example.com"), format="json")
            second = api_client.post(REGISTER, registration(email="ama@example.com"), format="json",
                                     REMOTE_ADDR="10.0.0.2")

        assert first.status_code == second.status_code == 400
        assert first.json()["details"] == {"email": ["A user with this email already exists."]}
        assert [message.to for message in mail.outbox] == [["ama@example.com"]]
        message = mail.outbox[0]
        assert message.subject == "Someone tried to sign up with your email address"
        assert "Hello Ama," in message.body and "No new account was made." in message.body
        assert "securepassword123" not in message.body
        assert message.alternatives[0][1] == "text/html"
        assert User.objects.count() == 1

    def test_a_new_address_gets_no_such_mail(self, api_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(REGISTER, registration(), format="json")

        assert response.status_code == 201
        assert mail.outbox == []

    def test_a_disabled_owner_is_not_mailed(self, api_client, django_capture_on_commit_callbacks):
        UserFactory(email="gone@example.com", is_active=False)

        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(REGISTER, registration(email="gone@example.com"), format="json")

        assert response.status_code == 400
        assert mail.outbox == []
