"""The document's social post about a product (section 2, `create_social_post`), with its body
as its frontend sends it, to the seller's connected Facebook Page."""

import pytest

from social.models import SocialPost
from tests.contract import document as doc
from tests.social.factories import SocialAccountFactory

pytestmark = pytest.mark.django_db


def test_a_seller_posts_a_product_to_their_facebook_page(seller_tab):
    product = seller_tab.fetch("POST", doc.PATH_PRODUCTS, doc.CREATE_PRODUCT_REQUEST).json()
    page = SocialAccountFactory(seller_id=seller_tab.user["id"], platform="facebook")

    response = seller_tab.fetch("POST", doc.path_create_social_post(product["id"]), doc.CREATE_SOCIAL_POST_REQUEST)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["product"], body["content"], body["hashtags"]) == (
        product["id"], "Check out our new product!", ["#Wireless", "#Tech"])
    [target] = body["targets"]
    assert (target["account"], target["platform"], target["status"]) == (page.pk, "facebook", "draft")
    assert target["link"].endswith(f"/r/{target['code']}")  # the short link: counted, then on to the product
    listed = seller_tab.fetch("GET", "/api/social/posts/")
    assert [post["id"] for post in listed.json()] == [body["id"]] == [SocialPost.objects.get().pk]
