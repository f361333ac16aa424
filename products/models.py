import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When

from products.fields import SearchTokensField
from sellflow.storage import private_storage


class Category(models.Model):
    """A node of the catalog tree (two or three levels), managed by operators."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    icon = models.CharField(max_length=50, blank=True, help_text="Icon name the frontend knows, e.g. `shirt`.")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id and self.parent else self.name

    def clean(self):
        depth, node = 1, self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": "A category cannot be its own ancestor."})
            depth, node = depth + 1, node.parent
        if depth > 3:
            raise ValidationError({"parent": "The catalog tree has at most three levels."})


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    ARCHIVED = "archived", "Archived"


class ProductQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def public(self):
        return self.filter(deleted_at__isnull=True, status=ProductStatus.ACTIVE, seller__is_active=True)


def split_tags(tags_text: str) -> list[str]:
    """The tags of a product's `tags_text` ("audio,wireless"), in order."""
    return [tag for tag in tags_text.split(",") if tag]


class Product(models.Model):
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    description = models.TextField(blank=True, max_length=10_000)
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3)
    sku = models.CharField(max_length=64, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, null=True, blank=True, related_name="products")
    tags = models.ManyToManyField(Tag, blank=True, related_name="products")
    # The tag names joined by commas, kept by the services beside the relation: it is what
    # search reads (one column, indexable) and what the list endpoints return without a join.
    tags_text = models.CharField(max_length=1000, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=ProductStatus.choices, default=ProductStatus.DRAFT)
    stock_quantity = models.PositiveIntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=5)
    weight = models.DecimalField(
        max_digits=8, decimal_places=3, null=True, blank=True, help_text="Kilograms, for shipping."
    )
    view_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "sku"],
                condition=~Q(sku="") & Q(deleted_at__isnull=True),
                name="products_sku_unique_per_seller",
            ),
            models.UniqueConstraint(
                fields=["seller", "slug"], condition=Q(deleted_at__isnull=True), name="products_slug_unique_per_seller"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="products_price_not_negative"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=models.F("price")),
                name="products_compare_at_price_above_price",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "deleted_at", "-created_at"], name="products_seller_list"),
            # The public listing's order (in stock first, newest first) over exactly the public
            # rows, so a page is read straight from the index.
            models.Index(
                Case(When(stock_quantity__gt=0, then=Value(0)), default=Value(1), output_field=models.IntegerField()),
                F("created_at").desc(),
                F("id").desc(),
                name="products_public_order",
                condition=Q(status="active", deleted_at__isnull=True),
            ),
            models.Index(fields=["category", "status"], name="products_category_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return split_tags(self.tags_text)

    @property
    def in_stock(self) -> bool:
        return self.stock_quantity > 0

    @property
    def is_low_stock(self) -> bool:
        return self.stock_quantity <= self.low_stock_threshold


class Variant(models.Model):
    """A sellable version of a product ("M / Red"). A product with variants sells by variant
    and its stock_quantity is the sum of theirs."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=100)
    options = models.JSONField(default=dict, blank=True, help_text='Option values, e.g. {"size": "M", "color": "Red"}.')
    sku = models.CharField(max_length=64, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="Overrides the product's price when set."
    )
    stock_quantity = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="products_variant_name_unique"),
            models.CheckConstraint(condition=Q(price__isnull=True) | Q(price__gte=0), name="products_variant_price"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.name}"


def product_image_upload_to(image: "ProductImage", filename: str) -> str:
    return f"products/{image.product_id}/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


def product_thumbnail_upload_to(image: "ProductImage", filename: str) -> str:
    return f"products/{image.product_id}/thumbs/{uuid.uuid4().hex}.{filename.rsplit('.', 1)[-1].lower()}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_upload_to)
    thumbnail = models.ImageField(upload_to=product_thumbnail_upload_to, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_primary", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"], condition=Q(is_primary=True), name="products_one_primary_image"
            ),
        ]

    def __str__(self) -> str:
        return f"image {self.pk} of {self.product_id}"


class HistoryEvent(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    STOCK_ADJUSTED = "stock_adjusted", "Stock adjusted"
    DELETED = "deleted", "Deleted"
    IMPORTED = "imported", "Imported"


class ProductHistory(models.Model):
    """Who changed what, when: old and new values of the tracked fields, and a snapshot of the
    product after the change (what an order made at that moment bought)."""

    TRACKED_FIELDS = ("name", "price", "compare_at_price", "status", "stock_quantity")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="history")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    event = models.CharField(max_length=20, choices=HistoryEvent.choices)
    changes = models.JSONField(default=dict, help_text='{"price": {"old": "10.00", "new": "12.00"}, ...}')
    snapshot = models.JSONField(default=dict)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at"], name="products_history_product")]
        verbose_name_plural = "product history"

    def __str__(self) -> str:
        return f"{self.event} {self.product_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Favorite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="favorited_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="products_favorite_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"


class ProductView(models.Model):
    """A signed-in shopper looked at a product: one row per shopper and product, its count and
    last time kept up to date. Recommendations learn co-views and buyers' tastes from it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="product_views")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    count = models.PositiveIntegerField(default=1)
    last_viewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_viewed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="products_view_unique")]
        indexes = [models.Index(fields=["user", "-last_viewed_at"], name="products_view_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.product_id} ×{self.count}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


def catalog_import_upload_to(job: "CatalogImport", filename: str) -> str:
    return f"imports/{job.seller_id}/{uuid.uuid4().hex}.csv"


class CatalogImport(models.Model):
    """One CSV import of a seller: run in the request (a small file), or in the background (a large
    one, or on request). Its file, kept only for a background run, sits in the private storage
    and is deleted when the job ends. A seller has one pending or running import at a time."""

    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="catalog_imports")
    file = models.FileField(upload_to=catalog_import_upload_to, storage=private_storage, blank=True)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    report = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller"], condition=Q(status__in=["pending", "running"]),
                name="products_one_active_import_per_seller",
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} of {self.seller_id} ({self.status})"


class SearchDocument(models.Model):
    """A product as search reads it (products.search.index): its words folded and tagged by where
    they stand (`a:` name and SKU, `b:` tags, category and variants, `c:` description) and the
    sizes and colours it comes in. Kept current by the catalog services; kept apart from the
    product row so that lists never load it."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True,
                                   related_name="search_document")
    tokens = SearchTokensField(default=list)

    def __str__(self) -> str:
        return f"search document of {self.product_id}"


class SearchWord(models.Model):
    """One word of the catalog's vocabulary, with its stems: what a query word is expanded into
    (same word, other forms, longer words it starts, near spellings) before products are matched."""

    word = models.CharField(max_length=40, unique=True)
    stem_en = models.CharField(max_length=40)
    stem_fr = models.CharField(max_length=40)
    length = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["stem_en"], name="products_searchword_stem_en"),
            models.Index(fields=["stem_fr"], name="products_searchword_stem_fr"),
            models.Index(fields=["length"], name="products_searchword_length"),
        ]

    def __str__(self) -> str:
        return self.word


class SearchSynonym(models.Model):
    """Words shoppers use for the same thing ("sneakers, trainers"), in any language: a search
    for one also finds the others. Shipped with a small commerce table, edited by operators."""

    terms = models.CharField(
        max_length=500, unique=True,
        help_text='Comma-separated words or phrases that mean the same, e.g. "handbag, purse, sac à main"; or '
                  '"baskets => sneakers" where the words on the left also find those on the right, not back.')
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["terms"]

    def __str__(self) -> str:
        return self.terms

    def clean(self):
        sources, arrow, targets = self.terms.partition("=>")
        named = [term for term in (*sources.split(","), *targets.split(",")) if term.strip()]
        if "=>" in targets or len(named) < 2 or (arrow and not (sources.strip() and targets.strip())):
            raise ValidationError({"terms": 'Give two or more words or phrases separated by commas, with at most '
                                            'one "=>" between words on both sides.'})
