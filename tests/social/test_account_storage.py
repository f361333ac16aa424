"""Connected accounts at rest: tokens encrypted in their columns, one account per platform user
per seller, and the operators' admin that never shows a token."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import IntegrityError

from social.models import AccountStatus, SocialAccount
from tests.social.accounts_helpers import raw_columns
from tests.social.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db


def test_tokens_are_ciphertext_in_the_database_and_plaintext_on_the_model():
    account = SocialAccountFactory(access_token="EAA-access-secret", refresh_token="refresh-secret")

    raw_access, raw_refresh = raw_columns(account.pk)

    assert "EAA-access-secret" not in raw_access and "refresh-secret" not in raw_refresh
    assert raw_access.startswith("gAAAA")  # a Fernet token
    stored = SocialAccount.objects.get(pk=account.pk)
    assert (stored.access_token, stored.refresh_token) == ("EAA-access-secret", "refresh-secret")


def test_one_account_per_platform_user_per_seller():
    account = SocialAccountFactory(platform="twitter", platform_user_id="2244994945")
    SocialAccountFactory(platform="twitter", platform_user_id="2244994945")  # another seller may
    SocialAccountFactory(seller=account.seller, platform="facebook", platform_user_id="2244994945")

    with pytest.raises(IntegrityError):
        SocialAccountFactory(seller=account.seller, platform="twitter", platform_user_id="2244994945")


def test_the_admin_lists_and_shows_accounts_without_their_tokens(operator_client):
    account = SocialAccountFactory(access_token="EAA-never-shown", refresh_token="refresh-never-shown",
                                   platform_username="ama.gadgets", status=AccountStatus.EXPIRED)

    listing = operator_client.get("/admin/social/socialaccount/").content.decode()
    searched = operator_client.get("/admin/social/socialaccount/", {"q": "ama.gadgets"}).content.decode()
    detail = operator_client.get(f"/admin/social/socialaccount/{account.pk}/change/").content.decode()

    assert "ama.gadgets" in listing and "ama.gadgets" in searched and "ama.gadgets" in detail
    for page in (listing, searched, detail):
        assert "never-shown" not in page
        assert "access_token" not in page and "refresh_token" not in page
    assert operator_client.get("/admin/social/socialaccount/add/").status_code == 403


def test_key_rotation_re_encrypts_the_tokens_under_the_new_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    account = SocialAccountFactory(access_token="EAA-rotated", refresh_token="refresh-rotated")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]

    output = io.StringIO()
    call_command("rotate_encryption_keys", stdout=output)

    assert "social.SocialAccount: 1 rows re-encrypted" in output.getvalue()
    raw_access, raw_refresh = raw_columns(account.pk)
    assert Fernet(new).decrypt(raw_access.encode()).decode() == "EAA-rotated"
    assert Fernet(new).decrypt(raw_refresh.encode()).decode() == "refresh-rotated"
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert SocialAccount.objects.get(pk=account.pk).access_token == "EAA-rotated"
