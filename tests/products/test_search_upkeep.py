"""Search stays current as the catalog changes (services, admin, synonyms, the rebuild command),
says what a shopper may have meant, and completes what they type."""

import importlib
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from products.models import Category, Product, SearchDocument, SearchSynonym, SearchWord
from products.search.index import index_products
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = "/api/products/public/list/"
SELLER_LIST = "/api/products/"
SUGGEST = "/api/products/public/suggest/"
AI_SEARCH = "/api/ai/search/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(p["name"] for p in response.json())


def found(client: APIClient, text: str) -> list[str]:
    return names(client.get(LIST, {"search": text}))


class TestServicesKeepSearchCurrent:
    def test_a_product_created_and_renamed_through_the_api_is_found_by_its_new_words(self, seller_client, seller,
                                                                                       api_client):
        response = seller_client.post(SELLER_LIST, {
            "name": "Tecno Spark 20 Phone", "price": "1100.00", "stock_quantity": 3, "status": "active",
            "tags": "android, smartphones"}, format="json")
        assert response.status_code == 201, response.content
        product_id = response.json()["id"]

        assert found(api_client, "phones") == ["Tecno Spark 20 Phone"]
        assert found(api_client, "smartphone") == ["Tecno Spark 20 Phone"]

        response = seller_client.patch(f"{SELLER_LIST}{product_id}/", {"name": "Infinix Hot 40 Laptop"},
                                       format="json")
        assert response.status_code == 200, response.content
        assert found(api_client, "laptops") == ["Infinix Hot 40 Laptop"]
        assert found(api_client, "tecno") == []
        assert names(seller_client.get(SELLER_LIST, {"search": "infinix laptops"})) == ["Infinix Hot 40 Laptop"]

    def test_variants_given_through_the_api_are_found_by_size_and_colour(self, seller_client, api_client):
        response = seller_client.post(SELLER_LIST, {
            "name": "Polo shirt", "price": "80.00", "status": "active",
            "variants": [{"name": "M / Navy", "options": {"size": "M", "color": "Navy"}, "stock_quantity": 2},
                         {"name": "XXL / Grey", "options": {"Size": "XXL", "Colour": "Gray"}, "stock_quantity": 1}]},
            format="json")
        assert response.status_code == 201, response.content
        ProductFactory(name="Plain polo")

        assert found(api_client, "medium polo") == ["Polo shirt"]
        assert found(api_client, "polo 2xl") == ["Polo shirt"]
        assert found(api_client, "blue polo") == ["Polo shirt"]
        assert found(api_client, "grey polo") == ["Polo shirt"]
        assert found(api_client, "polo large") == []

    def test_a_category_renamed_in_the_admin_finds_its_products_by_the_new_name(
            self, operator_client, api_client, django_capture_on_commit_callbacks):
        category = Category.objects.create(name="Gadgets", slug="gadgets-test")
        ProductFactory(name="Tecno Spark 20", category=category)

        assert found(api_client, "gadget") == ["Tecno Spark 20"]
        with django_capture_on_commit_callbacks(execute=True):
            response = operator_client.post(f"/admin/products/category/{category.pk}/change/", {
                "name": "Téléphones", "slug": "gadgets-test", "icon": "", "position": 0, "is_active": "on"})
        assert response.status_code == 302, response.content

        assert found(api_client, "telephone") == ["Tecno Spark 20"]
        assert found(api_client, "gadget") == []


class TestSynonyms:
    def test_the_shipped_table_applies_both_ways_and_one_way_rules_only_forward(self, api_client):
        ProductFactory(name="Running sneakers")
        ProductFactory(name="Wicker baskets")

        assert found(api_client, "trainers") == ["Running sneakers"]
        assert found(api_client, "baskets") == ["Running sneakers", "Wicker baskets"]
        assert found(api_client, "sneakers") == ["Running sneakers"]

    def test_an_operator_adds_edits_and_removes_a_synonym_in_the_admin(
            self, operator_client, api_client, django_capture_on_commit_callbacks):
        # With the public catalog cache on: the cached pages of searches go with the old table.
        ProductFactory(name="Kente stole")
        ProductFactory(name="Woven scarf")
        ProductFactory(name="Silk wrap")
        assert found(api_client, "scarf") == ["Woven scarf"]  # the plan is cached now

        with django_capture_on_commit_callbacks(execute=True):
            response = operator_client.post("/admin/products/searchsynonym/add/", {"terms": "scarf, stole",
                                                                                    "is_active": "on"})
        assert response.status_code == 302, response.content
        assert found(api_client, "scarf") == ["Kente stole", "Woven scarf"]

        synonym = SearchSynonym.objects.get(terms="scarf, stole")
        with django_capture_on_commit_callbacks(execute=True):
            response = operator_client.post(f"/admin/products/searchsynonym/{synonym.pk}/change/",
                                            {"terms": "scarf => wrap", "is_active": "on"})
        assert response.status_code == 302, response.content
        assert found(api_client, "scarf") == ["Silk wrap", "Woven scarf"]
        assert found(api_client, "wrap") == ["Silk wrap"]

        with django_capture_on_commit_callbacks(execute=True):
            response = operator_client.post(f"/admin/products/searchsynonym/{synonym.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302, response.content
        assert found(api_client, "scarf") == ["Woven scarf"]

    def test_rules_that_share_a_word_make_one_group(self, operator_client, api_client,
                                                    django_capture_on_commit_callbacks):
        ProductFactory(name="Samsung smartphone")
        ProductFactory(name="Nokia handset")

        with django_capture_on_commit_callbacks(execute=True):
            # "phones", not "phone": the same word in another form still joins the shipped group.
            response = operator_client.post("/admin/products/searchsynonym/add/", {"terms": "handsets, phones",
                                                                                    "is_active": "on"})
        assert response.status_code == 302, response.content

        assert found(api_client, "phone") == ["Nokia handset", "Samsung smartphone"]
        assert found(api_client, "handset") == ["Nokia handset", "Samsung smartphone"]

    @pytest.mark.parametrize("terms", ["scarf", "scarf =>", "=> stole", "a => b => c", " , "])
    def test_a_rule_that_says_nothing_is_refused(self, operator_client, terms):
        response = operator_client.post("/admin/products/searchsynonym/add/", {"terms": terms, "is_active": "on"})

        assert response.status_code == 200 and b"errorlist" in response.content
        assert not SearchSynonym.objects.filter(terms=terms).exists()


class TestDidYouMean:
    def test_the_public_list_suggests_the_nearest_catalog_words_when_nothing_is_found(self, api_client):
        ProductFactory(name="Tecno Spark 20 Phone", tag_names="android")

        response = api_client.get(LIST, {"search": "android phne"})  # 4 letters: no typo forgiven

        assert response.json() == [] and response["X-Search-Suggestion"] == "android phone"
        assert names(api_client.get(LIST, {"search": response["X-Search-Suggestion"]})) == ["Tecno Spark 20 Phone"]
        assert "X-Search-Suggestion" not in api_client.get(LIST, {"search": "phone"})
        assert "X-Search-Suggestion" not in api_client.get(LIST, {"search": "zzzzzz"})

    def test_never_suggests_what_buyers_cannot_see(self, api_client):
        ProductFactory(name="Zorb prototype", status="draft")

        response = api_client.get(LIST, {"search": "zorv"})

        assert response.json() == [] and "X-Search-Suggestion" not in response

    def test_a_suggestion_finds_something_under_the_other_filters(self, api_client):
        ProductFactory(name="Tecno Spark 20 Phone", price="1100.00")

        assert api_client.get(LIST, {"search": "phne"})["X-Search-Suggestion"] == "phone"
        assert "X-Search-Suggestion" not in api_client.get(LIST, {"search": "phne", "max_price": "500"})

    def test_the_header_is_percent_encoded_utf8(self, api_client):
        ProductFactory(name="Crème brûlée torch")

        response = api_client.get(LIST, {"search": "crème trch ☀"})

        assert response["X-Search-Suggestion"] == "cr%C3%A8me torch %E2%98%80"

    def test_ai_search_says_it_in_its_body(self, api_client):
        ProductFactory(name="Tecno Spark 20 Phone")

        body = api_client.get(AI_SEARCH, {"q": "phne under 1200"}).json()
        assert (body["count"], body["suggestion"]) == (0, "phone under 1200")

        body = api_client.get(AI_SEARCH, {"q": body["suggestion"]}).json()
        assert (body["count"], body["suggestion"]) == (1, None)


class TestTypeahead:
    def test_completes_the_last_word_into_categories_products_and_tags(self, api_client):
        phones = Category.objects.get(name="Phones & tablets")  # the shipped tree's
        ProductFactory(name="Tecno Spark 20 Phone", category=phones, tag_names="phone case, android")
        ProductFactory(name="Samsung Galaxy Phone", category=phones, view_count=50)
        ProductFactory(name="Photo frame")
        ProductFactory(name="Hidden phone", status="draft")

        body = api_client.get(SUGGEST, {"q": "pho"}).json()

        assert body["query"] == "pho"
        assert body["suggestions"][0] == {"type": "category", "text": "Phones & tablets", "id": phones.pk,
                                          "slug": phones.slug}
        kinds = [s["type"] for s in body["suggestions"]]
        assert kinds == ["category", "category", "product", "product", "product", "tag"]
        texts = [s["text"] for s in body["suggestions"]]
        assert texts[:2] == ["Phones & tablets", "Phone accessories"] and texts[5] == "phone case"
        # equally good matches: the most viewed first
        assert texts[2] == "Samsung Galaxy Phone" and set(texts[3:5]) == {"Tecno Spark 20 Phone", "Photo frame"}

    def test_reads_accents_forms_and_earlier_words_like_search(self, api_client):
        ProductFactory(name="Crème Karité 250ml")
        ProductFactory(name="Cream crackers")

        texts = [s["text"] for s in api_client.get(SUGGEST, {"q": "creme kar"}).json()["suggestions"]]
        assert texts == ["Crème Karité 250ml"]

    def test_at_most_eight(self, api_client):
        for n in range(12):
            ProductFactory(name=f"Phone model {n}")

        assert len(api_client.get(SUGGEST, {"q": "phon"}).json()["suggestions"]) == 8

    def test_a_warm_prefix_costs_no_query_and_a_catalog_change_refreshes_it(
            self, api_client, seller_client, django_assert_num_queries, django_capture_on_commit_callbacks):
        def products(text: str) -> list[str]:
            body = api_client.get(SUGGEST, {"q": text}).json()
            return [s["text"] for s in body["suggestions"] if s["type"] == "product"]

        with django_capture_on_commit_callbacks(execute=True):
            response = seller_client.post(SELLER_LIST, {"name": "Lamp stand", "price": "10.00", "status": "active"},
                                          format="json")
        assert products("lam") == ["Lamp stand"]
        with django_assert_num_queries(0):
            assert products("lam") == ["Lamp stand"]

        with django_capture_on_commit_callbacks(execute=True):
            seller_client.patch(f"{SELLER_LIST}{response.json()['id']}/", {"name": "Lampshade"}, format="json")
        assert products("lam") == ["Lampshade"]

    @pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 101}])
    def test_a_missing_or_oversized_prefix_is_a_400(self, api_client, params):
        response = api_client.get(SUGGEST, params)

        assert response.status_code == 400 and response.json()["code"] == "invalid"
        assert "q" in response.json()["details"]


class TestRebuild:
    def test_the_command_rewrites_every_document_and_drops_words_no_product_has(self):
        kept = ProductFactory(name="Kente stole")
        gone = ProductFactory(name="Zanzibar spice")
        Product.objects.filter(pk=kept.pk).update(name="Kente scarf")  # behind the services' back
        gone.delete()
        out = io.StringIO()

        call_command("rebuild_search_index", stdout=out)

        assert "1/1" in out.getvalue() and "1 products" in out.getvalue()
        assert "a:scarf" in SearchDocument.objects.get(pk=kept.pk).tokens
        words = set(SearchWord.objects.values_list("word", flat=True))
        assert {"kente", "scarf"} <= words and not {"zanzibar", "stole"} & words

    def test_the_migration_indexes_the_products_that_exist(self):
        product = ProductFactory(name="Handwoven Kente Stole")
        SearchDocument.objects.all().delete()
        SearchWord.objects.all().delete()
        migration = importlib.import_module("products.migrations.0012_search_documents")
        state = MigrationExecutor(connection).loader.project_state(("products", "0012_search_documents"))

        migration.index_products(state.apps, None)

        assert "a:kente" in SearchDocument.objects.get(pk=product.pk).tokens
        assert SearchWord.objects.filter(word="handwoven", stem_en="handwoven").exists()

    def test_indexing_twice_changes_nothing(self):
        product = ProductFactory(name="Kente stole")
        VariantFactory(product=product, name="M", options={"size": "M"})
        before = SearchDocument.objects.get(pk=product.pk).tokens

        index_products([product.pk, product.pk])

        assert SearchDocument.objects.get(pk=product.pk).tokens == before
        assert "size:m" in before


class TestVendorPage:
    def test_searches_the_vendors_products_only_and_still_counts_them_all(self, api_client):
        from tests.accounts.factories import UserFactory

        vendor = UserFactory(account_type="seller")
        ProductFactory(seller=vendor, name="Beaded necklaces")
        ProductFactory(seller=vendor, name="Kente stole")
        ProductFactory(name="Beaded necklace")  # another seller's

        response = api_client.get(f"/api/products/public/vendor/{vendor.pk}/", {"search": "necklace"})

        assert response.status_code == 200
        body = response.json()
        assert [p["name"] for p in body["products"]] == ["Beaded necklaces"]
        assert body["vendor"]["product_count"] == 2 and response["X-Total-Count"] == "1"

    def test_an_empty_search_is_no_search_and_an_oversized_one_a_400(self, api_client):
        from tests.accounts.factories import UserFactory

        vendor = UserFactory(account_type="seller")
        ProductFactory(seller=vendor, name="Kente stole")
        page = f"/api/products/public/vendor/{vendor.pk}/"

        assert [p["name"] for p in api_client.get(page, {"search": ""}).json()["products"]] == ["Kente stole"]
        response = api_client.get(page, {"search": "x" * 201})
        assert response.status_code == 400 and "search" in response.json()["details"]
        response = api_client.get(LIST, {"search": "x" * 201})
        assert response.status_code == 400 and "search" in response.json()["details"]


class TestRanking:
    def test_exact_words_above_other_forms_above_longer_words(self, api_client):
        # "basket" is a near spelling of "baskel": not read, since the catalog has the word typed.
        ProductFactory(name="Woven basket tray")
        ProductFactory(name="Baskels for sale")  # another form
        ProductFactory(name="Baskel")  # the word itself
        ProductFactory(name="Baskelry kit")  # a longer word it begins

        response = api_client.get(LIST, {"search": "baskel"})

        assert [p["name"] for p in response.json()] == ["Baskel", "Baskels for sale", "Baskelry kit"]

    def test_the_word_itself_in_a_description_above_another_form_in_a_name(self, api_client):
        ProductFactory(name="Phones case")
        ProductFactory(name="Case", description="Fits any phone.")

        assert [p["name"] for p in api_client.get(LIST, {"search": "phone"}).json()] == ["Case", "Phones case"]

    def test_near_spellings_only_when_the_catalog_lacks_what_was_typed(self, api_client):
        ProductFactory(name="Leather satchel")
        ProductFactory(name="Lether satchel")  # the seller's own spelling

        assert found(api_client, "lether") == ["Lether satchel"]
        assert found(api_client, "leathr") == ["Leather satchel"]  # "lether" is two edits away

    def test_among_near_spellings_the_nearer_in_the_name_first(self, api_client):
        ProductFactory(name="Bag", description="Leather strap")
        ProductFactory(name="Leather satchel")

        assert [p["name"] for p in api_client.get(LIST, {"search": "leathr"}).json()] == ["Leather satchel", "Bag"]


class TestSignsOnly:
    @pytest.mark.parametrize("text", ["!!!", "😀", " - "])
    def test_a_search_of_no_words_finds_nothing(self, api_client, text):
        ProductFactory(name="Kente stole")

        response = api_client.get(LIST, {"search": text})

        assert response.status_code == 200 and response.json() == []


class TestPrefixes:
    def test_the_word_being_typed_finds_longer_words_and_a_whole_word_before_it_does_not(self, api_client):
        ProductFactory(name="Pendant necklace")
        ProductFactory(name="Pen and necklace gift set")

        assert found(api_client, "necklace pen") == ["Pen and necklace gift set", "Pendant necklace"]
        assert found(api_client, "pen necklace") == ["Pen and necklace gift set"]
        assert found(api_client, "pend necklace") == ["Pendant necklace"]  # no word "pend": it begins one


class TestThrottle:
    def test_searches_are_counted_apart_from_browsing(self, api_client, throttle_rates):
        throttle_rates(catalog_search="2/minute", catalog_suggest="1/minute")
        ProductFactory(name="Kente stole")

        assert [api_client.get(LIST, {"search": "kente"}).status_code for _ in range(3)] == [200, 200, 429]
        assert api_client.get(LIST).status_code == 200  # browsing goes on
        assert [api_client.get(SUGGEST, {"q": "ken"}).status_code for _ in range(2)] == [200, 429]
        assert api_client.get(LIST, {"search": "kente"})["Retry-After"]
