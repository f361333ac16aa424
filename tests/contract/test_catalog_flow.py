"""The document's product flow (section 2 and "Frontend Integration Guide: Product Management
Flow"): create a product, upload its images as `images`, generate its description and hashtags;
then what buyers see: the public list, the product's page and its vendor's page."""

import pytest

from tests.contract import document as doc
from tests.contract.conftest import assert_has_fields, photos

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("category_one")]

# What the document's create body determines in the product a seller sees.
CREATED = {key: doc.CREATE_PRODUCT_REQUEST[key] for key in
           ("name", "description", "price", "compare_at_price", "stock_quantity", "sku", "category", "tags",
            "status")}


class TestSellerCatalog:
    def test_create_a_product_with_the_documents_json_body(self, seller_tab):
        response = seller_tab.fetch("POST", doc.PATH_PRODUCTS, doc.CREATE_PRODUCT_REQUEST)

        assert response.status_code == 201
        body = response.json()
        assert_has_fields(body, doc.CREATE_PRODUCT_RESPONSE)
        assert {key: body[key] for key in CREATED} == CREATED

    def test_create_a_product_with_the_documents_body_as_multipart_with_images(self, seller_tab):
        # Lines 179-180: the same body as multipart/form-data, the files under `images`.
        response = seller_tab.post_form(doc.PATH_PRODUCTS, doc.CREATE_PRODUCT_REQUEST, photos())

        assert response.status_code == 201, response.json()
        body = response.json()
        assert_has_fields(body, doc.CREATE_PRODUCT_RESPONSE)
        assert {key: body[key] for key in CREATED} == CREATED
        assert len(body["images"]) == 2

    def test_the_guides_create_upload_and_generate_flow(self, seller_tab, listed_product):
        # Lines 675-685: create, then FormData with each image appended as `images`...
        uploaded = seller_tab.post_form(doc.path_upload_images(listed_product["id"]), {}, photos())

        assert uploaded.status_code == 201, uploaded.json()
        assert len(uploaded.json()) == 2
        assert all(image["id"] and image["image"] for image in uploaded.json())

        # ...then generateAIContent(product.id, 'description') and (product.id, 'hashtags').
        description = seller_tab.fetch("POST", doc.path_generate_ai_content(listed_product["id"]),
                                       doc.GENERATE_DESCRIPTION_REQUEST)

        assert description.status_code == 200, description.json()
        assert_has_fields(description.json(), doc.GENERATE_DESCRIPTION_RESPONSE)
        assert description.json()["message"] == doc.GENERATE_DESCRIPTION_RESPONSE["message"]
        assert description.json()["description"].strip()

        hashtags = seller_tab.fetch("POST", doc.path_generate_ai_content(listed_product["id"]),
                                    doc.GENERATE_HASHTAGS_REQUEST)

        assert hashtags.status_code == 200, hashtags.json()
        assert hashtags.json()["message"] == "Hashtags generated successfully."
        assert hashtags.json()["hashtags"]
        assert all(tag.startswith("#") for tag in hashtags.json()["hashtags"])

        # The third content type the document names (line 223), with its platform.
        post = seller_tab.fetch("POST", doc.path_generate_ai_content(listed_product["id"]),
                                doc.GENERATE_SOCIAL_POST_REQUEST)

        assert post.status_code == 200, post.json()
        assert post.json()["message"] == "Social post generated successfully."

        listed = seller_tab.fetch("GET", doc.PATH_PRODUCTS)
        assert listed.status_code == 200
        assert_has_fields(listed.json(), doc.SELLER_PRODUCTS_RESPONSE)
        (row,) = listed.json()
        assert row["id"] == listed_product["id"]
        assert [image["id"] for image in row["images"]] == [image["id"] for image in uploaded.json()]

    def test_the_ai_services_endpoints_with_the_documents_bodies(self, seller_tab, listed_product):
        # Section 8, lines 597-623; the product id is the one the flow created.
        description = seller_tab.fetch("POST", doc.PATH_AI_DESCRIPTION,
                                       {**doc.AI_DESCRIPTION_REQUEST, "product_id": listed_product["id"]})
        hashtags = seller_tab.fetch("POST", doc.PATH_AI_HASHTAGS,
                                    {**doc.AI_HASHTAGS_REQUEST, "product_id": listed_product["id"]})

        assert description.status_code == 200, description.json()
        assert description.json()["description"].strip()
        assert hashtags.status_code == 200, hashtags.json()
        assert 0 < len(hashtags.json()["hashtags"]) <= doc.AI_HASHTAGS_REQUEST["count"]

    @pytest.mark.parametrize("status", ["draft", "active", "inactive", "archived"])
    def test_the_documents_status_filter_values(self, seller_tab, listed_product, status):
        # List Seller's Products, line 154.
        response = seller_tab.fetch("GET", f"{doc.PATH_PRODUCTS}?status={status}")

        assert response.status_code == 200
        assert [row["id"] for row in response.json()] == ([listed_product["id"]] if status == "active" else [])

    @pytest.mark.parametrize("query", ["status=active", "category=1", "search=Wireless"])
    def test_list_the_sellers_products_with_the_documents_filters(self, seller_tab, listed_product, query):
        response = seller_tab.fetch("GET", f"{doc.PATH_PRODUCTS}?{query}")

        assert response.status_code == 200
        assert_has_fields(response.json(), doc.SELLER_PRODUCTS_RESPONSE)
        assert [row["id"] for row in response.json()] == [listed_product["id"]]
        row = response.json()[0]
        assert {key: row[key] for key in ("name", "description", "price", "stock_quantity", "status")} == {
            key: doc.CREATE_PRODUCT_REQUEST[key] for key in ("name", "description", "price", "stock_quantity",
                                                             "status")}


class TestPublicCatalog:
    @pytest.mark.parametrize("query", ["", "?category=1", "?search=Wireless"])
    def test_the_public_list_shows_the_product_with_its_seller(self, seller_tab, listed_product, open_tab, query):
        seller_tab.post_form(doc.path_upload_images(listed_product["id"]), {}, photos())

        response = open_tab().fetch("GET", f"{doc.PATH_PUBLIC_LIST}{query}")

        assert response.status_code == 200
        assert_has_fields(response.json(), doc.PUBLIC_LIST_RESPONSE)
        (row,) = response.json()
        assert (row["id"], row["name"], row["price"]) == (listed_product["id"], "Wireless Headphones", "89.99")
        assert len(row["images"]) == 2
        assert row["seller"]["id"] == seller_tab.user["id"]

    def test_the_public_detail_has_the_full_product_and_its_seller(self, seller_tab, listed_product, open_tab):
        response = open_tab().fetch("GET", doc.path_public_detail(listed_product["id"]))

        assert response.status_code == 200
        body = response.json()
        # "Full product details with seller info" (line 272).
        assert_has_fields(body, {**doc.PUBLIC_LIST_RESPONSE[0], "description": "", "stock_quantity": 0})
        assert {key: body[key] for key in ("name", "description", "price", "stock_quantity")} == {
            key: doc.CREATE_PRODUCT_REQUEST[key] for key in ("name", "description", "price", "stock_quantity")}
        assert body["seller"]["id"] == seller_tab.user["id"]

    def test_the_vendor_page_has_the_vendor_and_their_products(self, seller_tab, listed_product, open_tab):
        seller_tab.fetch("PUT", doc.PATH_PROFILE, doc.PROFILE_REQUEST)

        response = open_tab().fetch("GET", doc.path_vendor(seller_tab.user["id"]))

        assert response.status_code == 200
        body = response.json()
        # "Vendor info + their products" (line 278).
        assert body["vendor"]["id"] == seller_tab.user["id"]
        assert body["vendor"]["company_name"] == doc.PROFILE_REQUEST["company_name"]
        assert_has_fields(body["products"], doc.PUBLIC_LIST_RESPONSE)
        assert [row["id"] for row in body["products"]] == [listed_product["id"]]

    def test_an_unknown_product_is_404_in_the_documents_error_shape(self, open_tab):
        response = open_tab().fetch("GET", doc.path_public_detail(999_999))

        assert response.status_code == 404
        assert_has_fields(response.json(), {"error": "Error message", "details": {...}})  # lines 809-814
