"""Type-ahead for a search box: what the shopper has typed so far, completed into category names,
product names and tags of the public catalog. The last word is a beginning ("pho" → "Phones");
every word is read by the rules of search (forms, accents, typos, synonyms)."""

from django.db.models import QuerySet

from products.models import Category, Product
from products.search.query import Plan, apply_plan, plan_for
from products.search.text import words

MAX_SUGGESTIONS = 8
MAX_CATEGORIES = 2
MAX_TAGS = 2
# Matching products read for their names and tags, best first.
PRODUCTS_READ = 40


def names_match(plan: Plan, text: str) -> bool:
    """`text` (a category name, a tag) says what every unit of the plan asks for."""
    present = set(words(text))
    return all(present & unit.words.keys()
               or any(all(present & slot.keys() for slot in phrase) for phrase in unit.phrases)
               for unit in plan.units)


def typeahead(text: str) -> list[dict]:
    """At most MAX_SUGGESTIONS: categories first, then products, then tags."""
    plan = plan_for(text)
    if not plan:
        return []
    categories = [{"type": "category", "text": category.name, "id": category.pk, "slug": category.slug}
                  for category in Category.objects.filter(is_active=True).order_by("position", "name")
                  if names_match(plan, category.name)][:MAX_CATEGORIES]
    matches = list(_best_products(apply_plan(Product.objects.public(), plan)))
    tags = list(dict.fromkeys(tag for row in matches for tag in row["tags_text"].split(",")
                              if tag and names_match(plan, tag)))[:MAX_TAGS]
    products = list({row["name"].casefold(): row for row in matches}.values())
    room = MAX_SUGGESTIONS - len(categories) - len(tags)
    return [
        *categories,
        *({"type": "product", "text": row["name"], "id": row["pk"], "slug": row["slug"]} for row in products[:room]),
        *({"type": "tag", "text": tag, "id": None, "slug": None} for tag in tags),
    ]


def _best_products(matched: QuerySet) -> QuerySet:
    return (matched.order_by("-search_rank", "-view_count", "-id")
            .values("pk", "name", "slug", "tags_text")[:PRODUCTS_READ])
