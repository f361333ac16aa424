"""Natural-language search: the local parser on real-looking queries, and GET /api/ai/search/
applying what it understood to the public catalog."""

from decimal import Decimal

import pytest

from ai.models import AIUsage
from ai.query import parse_query
from products.models import Category, ProductStatus
from tests.products.factories import CategoryFactory, ProductFactory, VariantFactory

CATEGORIES = [
    {"id": 1, "name": "Shoes", "slug": "shoes"},
    {"id": 2, "name": "Sneakers", "slug": "sneakers"},
    {"id": 3, "name": "Phones", "slug": "phones"},
    {"id": 4, "name": "Audio", "slug": "audio"},
    {"id": 5, "name": "Women's Clothing", "slug": "womens-clothing"},
    {"id": 6, "name": "Shea Butter & Natural Oils", "slug": "shea-butter-natural-oils"},
    {"id": 7, "name": "Dresses", "slug": "dresses"},
]

D = Decimal
QUERIES = [
    # query, expected fields (anything not named must stay empty)
    ("red sneakers under 300 cedis", {"max_price": D("300"), "currency": "GHS", "colors": ["red"], "category": 2}),
    ("phones between 1000 and 2000", {"min_price": D("1000"), "max_price": D("2000"), "category": 3}),
    ("cheap wireless headphones in stock", {"in_stock": True, "sort": "price", "text": "wireless headphones"}),
    ("kente stole below GHS 500", {"max_price": D("500"), "currency": "GHS", "text": "kente stole"}),
    ("black leather sandals size 42", {"colors": ["black"], "sizes": ["42"], "text": "leather sandals"}),
    ("dresses from 100 to 250", {"min_price": D("100"), "max_price": D("250"), "category": 7}),
    ("ankara dress size M", {"sizes": ["M"], "text": "ankara", "category": 7}),
    ("shea butter over 50", {"min_price": D("50"), "text": "shea butter"}),
    ("earbuds less than ₵200", {"max_price": D("200"), "currency": "GHS", "text": "earbuds"}),
    ("iphone 2k-3k", {"min_price": D("2000"), "max_price": D("3000"), "text": "iphone"}),
    ("blue jeans 100-200 cedis", {"min_price": D("100"), "max_price": D("200"), "currency": "GHS", "colors": ["blue"],
                                  "text": "jeans"}),
    ("affordable smock shirts", {"sort": "price", "text": "smock shirts"}),
    ("gold necklace at least 1,500", {"min_price": D("1500"), "colors": ["gold"], "text": "necklace"}),
    ("white sneakers xl", {"colors": ["white"], "sizes": ["XL"], "category": 2}),
    ("show me black soap available now", {"in_stock": True, "colors": ["black"], "text": "soap"}),
    ("laptop under $800", {"max_price": D("800"), "currency": "USD", "text": "laptop"}),
    ("wooden elephant carving", {"text": "wooden elephant carving"}),
    ("phones under 1500 naira", {"max_price": D("1500"), "currency": "NGN", "category": 3}),
    ("audio between 99.50 and 150", {"min_price": D("99.50"), "max_price": D("150"), "category": 4}),
    ("grey hoodie size L", {"colors": ["grey"], "sizes": ["L"], "text": "hoodie"}),
    ("gray hoodie", {"colors": ["grey"], "text": "hoodie"}),
    ("pink and purple beads", {"colors": ["pink", "purple"], "text": "beads"}),
    ("shoes in stock under 400", {"in_stock": True, "max_price": D("400"), "category": 1}),
    ("women's clothing under 300", {"max_price": D("300"), "category": 5}),
    ("shea butter & natural oils", {"category": 6}),
    ("hair oil up to 80 ghs", {"max_price": D("80"), "currency": "GHS", "text": "hair oil"}),
    ("bags from 200", {"min_price": D("200"), "text": "bags"}),
    ("sneaker 250 to 100", {"min_price": D("100"), "max_price": D("250"), "category": 2}),  # bounds put right
    ("cheapest phone", {"sort": "price", "category": 3}),
    ("maroon dress max 150", {"max_price": D("150"), "colors": ["maroon"], "category": 7}),
    ("ready to ship beads >= 20", {"in_stock": True, "min_price": D("20"), "text": "beads"}),
    ("power bank 20000mah", {"text": "power bank 20000mah"}),
    ("size 9.5 running shoes", {"sizes": ["9.5"], "text": "running", "category": 1}),
    # Quantities, years and model numbers are not prices.
    ("iphone 13 pro max 256gb", {"text": "iphone 13 pro max 256gb"}),
    ("baby clothes 0-3 months", {"text": "baby clothes 0-3 months"}),
    ("laptop from 2021", {"text": "laptop from 2021"}),
    ("rice bag 25kg under 400", {"max_price": D("400"), "text": "rice bag 25kg"}),
    ("generator at least 1,500,000", {"min_price": D("1500000"), "text": "generator"}),
    ("sandals size 40 under 400 in stock", {"sizes": ["40"], "max_price": D("400"), "in_stock": True,
                                            "text": "sandals"}),
    ("red red red red red dress", {"colors": ["red"], "category": 7}),
    ("pound cake", {"text": "pound cake"}),
    # Sizes however they are said, colours in any spelling or language (products.search.text).
    ("medium polo shirt", {"sizes": ["M"], "text": "polo shirt"}),
    ("xxl hoodie", {"sizes": ["2XL"], "text": "hoodie"}),
    ("extra large tee", {"sizes": ["XL"], "text": "tee"}),
    ("sneakers eu 42", {"sizes": ["42"], "category": 2}),
    ("uk 8 sandals", {"sizes": ["UK8"], "text": "sandals"}),
    ("robe rouge taille m", {"colors": ["red"], "sizes": ["M"], "text": "robe"}),
    ("navy blue blazer", {"colors": ["navy"], "text": "blazer"}),
    ("robe bleu marine", {"colors": ["navy"], "text": "robe"}),
    ("chaussures noires", {"colors": ["black"], "text": "chaussures"}),
]


@pytest.mark.parametrize("query, expected", QUERIES, ids=[q for q, _ in QUERIES])
def test_the_local_parser_understands_real_queries(query, expected):
    interpreted = parse_query(query, categories=CATEGORIES)

    got = {
        "text": interpreted.text, "min_price": interpreted.min_price, "max_price": interpreted.max_price,
        "currency": interpreted.currency, "in_stock": interpreted.in_stock, "colors": interpreted.colors,
        "sizes": interpreted.sizes, "category": interpreted.category["id"] if interpreted.category else None,
        "sort": interpreted.sort,
    }
    empty = {"text": "", "min_price": None, "max_price": None, "currency": None, "in_stock": None, "colors": [],
             "sizes": [], "category": None, "sort": None}
    assert got == {**empty, **expected}


def test_there_are_at_least_thirty_queries():
    assert len(QUERIES) >= 30


# --- The endpoint -----------------------------------------------------------------------------

SEARCH = "/api/ai/search/"


@pytest.mark.django_db
def test_search_applies_price_colour_category_and_stock(api_client):
    sneakers = CategoryFactory(name="Sneakers", slug="sneakers-test")
    red = ProductFactory(name="Court sneaker", category=sneakers, price=Decimal("250.00"), currency="GHS")
    VariantFactory(product=red, name="42 / Red", options={"size": "42", "color": "Red"}, stock_quantity=2)
    VariantFactory(product=red, name="43 / Red", options={"size": "43", "color": "Red"}, stock_quantity=2)
    ProductFactory(name="Red runner", category=sneakers, price=Decimal("450.00"), currency="GHS")  # too dear
    ProductFactory(name="Blue sneaker", category=sneakers, price=Decimal("200.00"), currency="GHS")  # not red
    ProductFactory(name="Red sneaker draft", category=sneakers, price=Decimal("100.00"), status=ProductStatus.DRAFT)
    ProductFactory(name="Red scarf", price=Decimal("50.00"))  # another category

    response = api_client.get(SEARCH, {"q": "red sneakers under 300 cedis"})

    assert response.status_code == 200
    body = response.json()
    assert [product["id"] for product in body["results"]] == [red.pk]  # once, though two red variants match
    assert body["count"] == 1 and response["X-Total-Count"] == "1"
    assert body["interpreted"] == {
        "text": "", "min_price": None, "max_price": "300.00", "currency": "GHS", "in_stock": None, "colors": ["red"],
        "sizes": [], "category": {"id": sneakers.pk, "name": "Sneakers", "slug": "sneakers-test"}, "sort": None,
    }


@pytest.mark.django_db
def test_cheap_in_stock_searches_rank_by_price(api_client):
    dear = ProductFactory(name="Wireless headphones pro", price=Decimal("900.00"))
    cheap = ProductFactory(name="Wireless headphones lite", price=Decimal("150.00"))
    ProductFactory(name="Wireless headphones sold out", price=Decimal("100.00"), stock_quantity=0)
    ProductFactory(name="Wired earphones", price=Decimal("20.00"))

    body = api_client.get(SEARCH, {"q": "cheap wireless headphones in stock"}).json()

    assert [product["id"] for product in body["results"]] == [cheap.pk, dear.pk]
    assert body["interpreted"]["in_stock"] is True and body["interpreted"]["sort"] == "price"


@pytest.mark.django_db
def test_a_size_matches_variant_options(api_client):
    sandal = ProductFactory(name="Leather sandals")
    VariantFactory(product=sandal, name="42", options={"size": "42"})
    other = ProductFactory(name="Leather sandals kids")
    VariantFactory(product=other, name="30", options={"size": "30"})

    body = api_client.get(SEARCH, {"q": "leather sandals size 42"}).json()

    assert [product["id"] for product in body["results"]] == [sandal.pk]


@pytest.mark.django_db
def test_the_category_parameter_overrides_and_pages_are_headers(api_client):
    audio = Category.objects.filter(slug="audio").first() or CategoryFactory(name="Audio", slug="audio")
    for n in range(3):
        ProductFactory(name=f"Speaker {n}", category=audio)
    ProductFactory(name="Speaker stand")

    response = api_client.get(SEARCH, {"q": "speaker", "category": "audio", "page_size": 2})

    assert response.json()["count"] == 3 and len(response.json()["results"]) == 2
    assert 'rel="next"' in response["Link"]
    assert response.json()["interpreted"]["category"] == {"id": audio.pk, "name": audio.name, "slug": "audio"}


@pytest.mark.django_db
@pytest.mark.parametrize("category", ["²", "٣"])
def test_a_category_of_digits_that_are_not_ascii_names_none(api_client, category):
    """"²".isdigit() is true, and int("²") fails: a category parameter is an id only in ASCII digits."""
    ProductFactory(name="Speaker")

    response = api_client.get(SEARCH, {"q": "speaker", "category": category})

    assert response.status_code == 200
    assert (response.json()["count"], response.json()["interpreted"]["category"]) == (0, None)


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 301}])
def test_a_missing_or_oversized_query_is_a_400(api_client, params):
    response = api_client.get(SEARCH, params)

    assert response.status_code == 400 and "q" in response.json()["details"]


@pytest.mark.django_db
def test_search_reads_in_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for n in range(15):
        ProductFactory(name=f"Kente stole {n}")
    # Reading the words costs a fixed number of queries once (the query's plan is cached until
    # the catalog's vocabulary changes), then the page as many as ever, whatever its size.
    with django_assert_max_num_queries(8):
        assert api_client.get(SEARCH, {"q": "kente under 100", "page_size": 5}).json()["count"] == 15
    with django_assert_max_num_queries(6):
        assert api_client.get(SEARCH, {"q": "kente under 100", "page_size": 15}).json()["count"] == 15


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["under 99999999999999999999", "between 1 and 1e9999", "1" * 300, "between " * 37,
                               "1-" * 150, "size " * 60])
def test_odd_queries_are_answered_not_crashed(api_client, q):
    response = api_client.get(SEARCH, {"q": q[:300]})

    assert response.status_code == 200


@pytest.mark.django_db
def test_colours_and_sizes_match_any_of_them_in_any_spelling(api_client):
    tee = ProductFactory(name="Cotton tee")
    VariantFactory(product=tee, name="Medium / Black", options={"Size": "Medium", "Colour": "Black"})
    polo = ProductFactory(name="Polo shirt")
    VariantFactory(product=polo, name="M / White", options={"size": "M", "color": "white"})
    ProductFactory(name="Tailored trousers")  # "red" inside a word is not red

    found = api_client.get(SEARCH, {"q": "black or white size m"}).json()["results"]
    reds = api_client.get(SEARCH, {"q": "red"}).json()["results"]

    assert sorted(product["id"] for product in found) == sorted([tee.pk, polo.pk])
    assert reds == []


@pytest.mark.django_db
def test_a_repeated_colour_costs_no_more_than_one(api_client, django_assert_max_num_queries):
    dress = ProductFactory(name="Kaba dress")
    for size in ("S", "M", "L", "XL"):
        VariantFactory(product=dress, name=f"{size} / Red", options={"size": size, "color": "Red"})

    with django_assert_max_num_queries(6):
        response = api_client.get(SEARCH, {"q": "red " * 70 + "xl " * 5})

    assert response.status_code == 200 and [p["id"] for p in response.json()["results"]] == [dress.pk]


# --- The openai provider ----------------------------------------------------------------------

@pytest.mark.django_db
def test_openai_extracts_the_filters_as_structured_output(fake_openai, api_client, buyer_client, buyer):
    sneakers = CategoryFactory(name="Sneakers", slug="sneakers-ai")
    red = ProductFactory(name="Court sneaker", category=sneakers, price=Decimal("250.00"), currency="GHS")
    VariantFactory(product=red, name="Red", options={"color": "Red"}, stock_quantity=2)
    ProductFactory(name="Blue sneaker", category=sneakers, price=Decimal("200.00"), currency="GHS")
    fake_openai.reply_json({"text": "", "min_price": None, "max_price": 300, "currency": "ghs", "in_stock": None,
                            "colors": ["Red"], "sizes": [], "category": "sneakers", "sort": None})

    body = buyer_client.get(SEARCH, {"q": "des baskets rouges à moins de 300 cedis"}).json()

    assert [product["id"] for product in body["results"]] == [red.pk]
    assert body["interpreted"] == {
        "text": "", "min_price": None, "max_price": "300.00", "currency": "GHS", "in_stock": None, "colors": ["red"],
        "sizes": [], "category": {"id": sneakers.pk, "name": "Sneakers", "slug": "sneakers-ai"}, "sort": None}
    request = fake_openai.last_request
    assert request["response_format"]["json_schema"]["strict"] is True
    assert "des baskets rouges" in request["messages"][-1]["content"]
    assert AIUsage.objects.get().user == buyer  # signed-in searches count as the shopper's usage

    api_client.get(SEARCH, {"q": "red sneakers"})
    assert AIUsage.objects.filter(user=None, feature="search").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("script", ["fail", "refuse", "malformed", "nonsense_prices"])
def test_openai_failures_fall_back_to_the_local_parser(fake_openai, api_client, script):
    cheap = ProductFactory(name="Kente stole", price=Decimal("150.00"), currency="GHS")
    ProductFactory(name="Kente cloth", price=Decimal("900.00"), currency="GHS")
    {"fail": lambda: fake_openai.fail(500), "refuse": lambda: fake_openai.refuse(),
     "malformed": lambda: fake_openai.reply_text("{not json"),
     "nonsense_prices": lambda: fake_openai.reply_json({
         "text": "kente", "min_price": -5, "max_price": None, "currency": None, "in_stock": None, "colors": [],
         "sizes": [], "category": None, "sort": None})}[script]()

    body = api_client.get(SEARCH, {"q": "kente under 200 cedis"}).json()

    assert [product["id"] for product in body["results"]] == [cheap.pk]
    assert body["interpreted"]["max_price"] == "200.00"  # the local parser's reading


@pytest.mark.django_db
def test_a_spent_quota_searches_with_the_local_parser(fake_openai, settings, buyer_client, buyer):
    settings.AI_DAILY_QUOTA = 1
    ProductFactory(name="Kente stole", price=Decimal("150.00"))
    fake_openai.reply_json({"text": "kente", "min_price": None, "max_price": None, "currency": None,
                            "in_stock": None, "colors": [], "sizes": [], "category": None, "sort": None})
    assert buyer_client.get(SEARCH, {"q": "kente"}).status_code == 200
    second = buyer_client.get(SEARCH, {"q": "kente under 200"})
    assert second.status_code == 200 and second.json()["interpreted"]["max_price"] == "200.00"
    assert len(fake_openai.requests) == 1


@pytest.mark.django_db
def test_the_same_words_are_asked_of_the_provider_once(fake_openai, api_client):
    fake_openai.reply_json({"text": "kente", "min_price": None, "max_price": 200, "currency": "GHS",
                            "in_stock": None, "colors": [], "sizes": [], "category": None, "sort": None})
    for q in ("kente under 200 cedis", "Kente  under 200 CEDIS"):
        assert api_client.get(SEARCH, {"q": q}).json()["interpreted"]["max_price"] == "200.00"
    assert len(fake_openai.requests) == 1


@pytest.mark.django_db
def test_nonsense_filters_are_recorded_as_a_failed_call(fake_openai, api_client):
    fake_openai.reply_json({"text": "kente", "min_price": -5, "max_price": None, "currency": None,
                            "in_stock": None, "colors": [], "sizes": [], "category": None, "sort": None})
    api_client.get(SEARCH, {"q": "kente"})
    usage = AIUsage.objects.get()
    assert (usage.feature, usage.success, usage.error) == ("search", False, "invalid_filters")
