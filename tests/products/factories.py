from decimal import Decimal

import factory

from products.models import Category, Product, ProductStatus, Variant
from tests.accounts.factories import UserFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    """A product as the services would leave it (tags_text in step with the tags)."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    seller = factory.SubFactory(UserFactory, account_type="seller")
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine product."
    price = Decimal("50.00")
    currency = "GHS"
    status = ProductStatus.ACTIVE
    stock_quantity = 10

    @factory.post_generation
    def tag_names(self, create, extracted, **kwargs):
        if extracted:
            from products.services import parse_tags, product_set_tags

            product_set_tags(product=self, names=parse_tags(extracted))

    @factory.post_generation
    def search_index(self, create, extracted, **kwargs):
        # What the catalog services do after every change of a product's words.
        if create:
            from django.db import transaction

            from products.search.index import index_products

            with transaction.atomic():
                index_products([self.pk])


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    name = factory.Sequence(lambda n: f"Size {n}")
    stock_quantity = 5

    @factory.post_generation
    def search_index(self, create, extracted, **kwargs):
        if create:
            from django.db import transaction

            from products.search.index import index_products

            with transaction.atomic():
                index_products([self.product_id])
