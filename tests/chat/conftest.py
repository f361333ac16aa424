import pytest

from tests.accounts.factories import UserFactory
from tests.ai.conftest import fake_openai  # noqa: F401  (the fake OpenAI server: the assistant's openai tests)
from tests.conftest import authenticated_client
from tests.products.factories import ProductFactory

CONVERSATIONS = "/api/chat/conversations/"
MESSAGES = "/api/chat/messages/"


def conversation_url(pk: int, action: str = "") -> str:
    return f"{CONVERSATIONS}{pk}/{action + '/' if action else ''}"


def messages_url(pk: int) -> str:
    return conversation_url(pk, "messages")


def react_url(pk: int) -> str:
    return f"{MESSAGES}{pk}/react/"


@pytest.fixture
def product(seller):
    return ProductFactory(seller=seller, name="Leather bag", price="89.99")


@pytest.fixture
def conversation(buyer_client, product) -> dict:
    """The buyer asks the seller about their product."""
    response = buyer_client.post(CONVERSATIONS, {"product": product.pk}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def other_seller_client(db):
    return authenticated_client(UserFactory(account_type="seller"))


def send(client, conversation_id: int, content: str = "Hello", **extra):
    return client.post(MESSAGES, {"conversation": conversation_id, "content": content, **extra}, format="json")
