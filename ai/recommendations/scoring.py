"""Scoring a product's neighbours: the three signals blended per kind of list, and the best
TOP_K, padded with popular products when evidence runs short."""

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ai.recommendations.catalog import Catalog
from ai.recommendations.interactions import Interactions, shrunk_cosine, strongest_candidates
from ai.recommendations.scope import BOUGHT_TOGETHER, SIMILAR, TOP_K

# Blends of the three signals, each in [0, 1]. "Similar" is an alternative to the product:
# mostly what it is (content), then what shoppers compared it with (co-views). "Bought
# together" is a complement: mostly co-purchases; content only orders close calls.
SIMILAR_WEIGHTS = {"content": 0.6, "view": 0.25, "purchase": 0.15}
BOUGHT_TOGETHER_WEIGHTS = {"purchase": 0.7, "view": 0.15, "content": 0.15}

Ranked = list[tuple[int, float]]


@dataclass
class Signals:
    """The three kinds of evidence about a product's neighbours, each in [0, 1]."""

    content: dict[int, float]
    purchase: dict[int, float]
    view: dict[int, float]

    def blend(self) -> dict[str, dict[int, float]]:
        def score(weights: dict[str, float], other: int) -> float:
            return (weights["content"] * self.content.get(other, 0.0) + weights["view"] * self.view.get(other, 0.0)
                    + weights["purchase"] * self.purchase.get(other, 0.0))

        collaborative = self.purchase.keys() | self.view.keys()
        return {
            SIMILAR: {other: score(SIMILAR_WEIGHTS, other) for other in self.content.keys() | collaborative},
            # Only what someone actually took together (or at least compared) is "bought together".
            BOUGHT_TOGETHER: {other: score(BOUGHT_TOGETHER_WEIGHTS, other) for other in collaborative},
        }


def product_signals(product_id: int, catalog: Catalog, interactions: Interactions,
                    buyer_counts: Callable[[Iterable[int]], dict[int, int]],
                    viewer_counts: Callable[[Iterable[int]], dict[int, int]]) -> Signals:
    allowed = catalog.recommendable - {product_id}
    bought = strongest_candidates(interactions.co_purchases(product_id), allowed)
    viewed = strongest_candidates(interactions.co_views(product_id), allowed)
    purchase = shrunk_cosine(bought, buyer_counts([*bought, product_id]), product_id) if bought else {}
    view = shrunk_cosine(viewed, viewer_counts([*viewed, product_id]), product_id) if viewed else {}
    content = catalog.index.similarities(product_id, allowed, also=bought.keys() | viewed.keys())
    return Signals(content, purchase, view)


def top_neighbours(product_id: int, scores: dict[int, float], popular: Callable[[], list[int]]) -> Ranked:
    """The TOP_K best neighbours; too few, and popular products of the category (then of its
    family, then of the shop) fill the list with score 0."""
    best = heapq.nlargest(TOP_K, ((o, s) for o, s in scores.items() if s > 0), key=lambda item: (item[1], -item[0]))
    if len(best) < TOP_K:
        chosen = {other for other, _ in best} | {product_id}
        for other in popular():
            if other not in chosen:
                best.append((other, 0.0))
                chosen.add(other)
                if len(best) == TOP_K:
                    break
    return best
