"""The catalog a refresh works over: the public products, the recommendable ones among them,
their categories and their content index."""

from dataclasses import dataclass

from ai.recommendations.content import CORPUS, CategoryNode, ContentIndex, load_categories
from products.models import Product


@dataclass
class Catalog:
    """The public products (every one has recommendations) and the recommendable ones among
    them (in stock), with their content index."""

    category_of: dict[int, int | None]
    view_count: dict[int, int]
    recommendable: set[int]
    categories: dict[int, CategoryNode]
    index: ContentIndex

    @classmethod
    def load(cls) -> "Catalog":
        """Call with CORPUS.lock held: the index reads the shared corpus."""
        categories = load_categories()
        rows = Product.objects.public().order_by().values_list(
            "pk", "updated_at", "category_id", "view_count", "stock_quantity")
        category_of, view_count, recommendable, versions = {}, {}, set(), {}
        for pk, updated_at, category_id, views, stock in rows.iterator(chunk_size=5000):
            category_of[pk], view_count[pk] = category_id, views
            versions[pk] = (updated_at, category_id, categories.get(category_id))
            if stock > 0:
                recommendable.add(pk)
        CORPUS.sync(versions, categories)
        return cls(category_of, view_count, recommendable, categories, ContentIndex(CORPUS))

    def family_head(self, category_id: int) -> int:
        node = self.categories.get(category_id)
        return node.parent_id if node and node.parent_id else category_id

    def family(self, category_id: int) -> list[int]:
        """The category's parent and the parent's children (its siblings); for a top category,
        itself and its children."""
        head = self.family_head(category_id)
        return [head, *(pk for pk, other in self.categories.items() if other.parent_id == head)]
