"""Every write of the catalog: products and their variants, images, stock, history, favourites.
Each change that a buyer can see also invalidates the public catalog cache after commit."""

import io
import logging
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, PositiveIntegerField, Value, When
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from accounts.models import User
from products import cache as catalog_cache
from products import notifications
from products.errors import InsufficientStock, TooManyImages, VariantRequired
from products.models import (
    Category,
    Favorite,
    HistoryEvent,
    Product,
    ProductHistory,
    ProductImage,
    ProductStatus,
    ProductView,
    Tag,
    Variant,
)
from products.search.index import index_category, index_products
from products.signals import catalog_changed
from products.tasks import flush_product_views as flush_product_views_task
from products.tasks import make_product_thumbnail as make_product_thumbnail_task
from sellflow.counters import first_in_window, pending_add_once, pending_flush_due, pending_give_back, pending_take
from sellflow.images import CleanImage, Uploader, check_image_uploads, clean_image_upload, decoding_take
from sellflow.quotas import DAY, Charge
from sellflow.transactions import after_commit, after_commit_batched

logger = logging.getLogger(__name__)

# The stock columns are 32-bit: PostgreSQL refuses more.
MAX_STOCK = 2_147_483_647

PRODUCT_FIELDS = (
    "name", "description", "price", "compare_at_price", "sku", "category", "status", "stock_quantity",
    "low_stock_threshold", "weight",
)

# The fields whose words search reads (products.search.index), besides tags and variants.
SEARCHED_FIELDS = {"name", "sku", "description", "category"}

# The tally of product views waiting for the flush (sellflow.counters pending counts), and the
# products one UPDATE of the flush adds to.
PRODUCT_VIEWS = "product-views"
VIEWS_FLUSH_BATCH = 500


# --- History ----------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def product_snapshot(product: Product) -> dict[str, Any]:
    """What a buyer would have bought at this moment (orders copy it at purchase time)."""
    return {
        "name": product.name,
        "sku": product.sku,
        "price": _plain(product.price),
        "compare_at_price": _plain(product.compare_at_price),
        "currency": product.currency,
        "status": product.status,
        "stock_quantity": product.stock_quantity,
    }


def product_tracked_values(product: Product) -> dict[str, Any]:
    """The fields the history records, as it stores them: what `before` of a change is."""
    return {field: _plain(getattr(product, field)) for field in ProductHistory.TRACKED_FIELDS}


def _record_history(*, product: Product, actor: User | None, event: str, before: dict[str, Any] | None,
                    reason: str = "") -> None:
    after = product_tracked_values(product)
    if before is None:
        changes = {field: {"old": None, "new": value} for field, value in after.items()}
    else:
        changes = {f: {"old": before[f], "new": after[f]} for f in after if before[f] != after[f]}
        if not changes and event == HistoryEvent.UPDATED:
            return
    ProductHistory.objects.create(
        product=product, actor=actor if getattr(actor, "pk", None) else None, event=event, changes=changes,
        snapshot=product_snapshot(product), reason=reason[:200],
    )


def _after_change(product: Product, *, before_stock: int | None = None) -> None:
    transaction.on_commit(partial(catalog_cache.catalog_cache_bump, product.pk))
    after_commit_batched(catalog_changed, sender=Product, ids=[product.pk])
    if before_stock is not None and before_stock > product.low_stock_threshold >= product.stock_quantity:
        notifications.low_stock(product)


# --- Products ---------------------------------------------------------------------------------

def _unique_slug(*, seller: User, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:200] or "product"
    taken = set(
        Product.objects.alive().filter(seller=seller, slug__startswith=base).exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def parse_tags(raw: str | list[str] | None) -> list[str]:
    """`"Audio, wireless,,AUDIO"` → `["audio", "wireless"]`: lower-case, trimmed, unique, ordered."""
    if raw is None:
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    names: list[str] = []
    for item in items:
        name = " ".join(str(item).split()).lower()[:50]
        if name and name not in names:
            names.append(name)
    return names[:30]


def product_set_tags(*, product: Product, names: list[str]) -> None:
    """Give the product exactly these tags (names as parse_tags leaves them), creating new ones."""
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    product.tags.set([existing[name] for name in names])
    product.tags_text = ",".join(names)
    Product.objects.filter(pk=product.pk).update(tags_text=product.tags_text)


def _check_unique_sku(*, seller: User, sku: str, exclude_pk: int | None = None) -> None:
    if sku and Product.objects.alive().filter(seller=seller, sku=sku).exclude(pk=exclude_pk).exists():
        raise DjangoValidationError({"sku": "You already have a product with this SKU."})


def _save_variants(product: Product, variants: list[dict[str, Any]]) -> None:
    """Make the product's variants exactly these: items with an id update, without one create,
    the missing ones go. The product's stock becomes their sum."""
    keep_ids = [item["id"] for item in variants if item.get("id")]
    unknown = set(keep_ids) - set(product.variants.values_list("id", flat=True))
    if unknown:
        raise DjangoValidationError({"variants": f"Unknown variant ids for this product: {sorted(unknown)}."})
    names = [item["name"].strip().lower() for item in variants]
    if len(names) != len(set(names)):
        raise DjangoValidationError({"variants": "Two variants have the same name."})
    product.variants.exclude(id__in=keep_ids).delete()
    if not variants:
        return  # no variants any more: the product's own stock_quantity applies again
    total_stock = sum(item.get("stock_quantity", 0) for item in variants)
    if total_stock > MAX_STOCK:
        raise DjangoValidationError({"variants": f"The variants' stock adds up to more than {MAX_STOCK}."})
    # Kept variants may swap names ("S" and "M"): park them under unique names first, so the
    # one-name-per-product constraint holds after every single UPDATE.
    for variant_id in keep_ids:
        Variant.objects.filter(pk=variant_id).update(name=f"~renaming~{variant_id}")
    for position, item in enumerate(variants):
        fields = {
            "name": item["name"].strip(), "options": item.get("options") or {}, "sku": item.get("sku", ""),
            "price": item.get("price"), "stock_quantity": item.get("stock_quantity", 0), "position": position,
        }
        if item.get("id"):
            Variant.objects.filter(pk=item["id"], product=product).update(**fields)
        else:
            Variant.objects.create(product=product, **fields)
    product.stock_quantity = total_stock
    Product.objects.filter(pk=product.pk).update(stock_quantity=product.stock_quantity)


def _save_new_or_changed(product: Product) -> None:
    """Save, telling a concurrent duplicate SKU (the seller's mistake) from a concurrent
    duplicate slug (two products of the same name at once: take another slug)."""
    for attempt in range(3):
        try:
            with transaction.atomic():
                product.save()
            return
        except IntegrityError as exc:
            if product.sku and Product.objects.alive().filter(seller=product.seller, sku=product.sku).exclude(
                pk=product.pk
            ).exists():
                raise DjangoValidationError({"sku": "You already have a product with this SKU."}) from exc
            slug = _unique_slug(seller=product.seller, name=product.name, exclude_pk=product.pk)
            product.slug = f"{slug}-{attempt + 2}"
    raise DjangoValidationError({"name": "Could not save this product right now; try again."})


def _validate_prices(price: Decimal | None, compare_at_price: Decimal | None) -> None:
    if compare_at_price is not None and price is not None and compare_at_price <= price:
        raise DjangoValidationError({"compare_at_price": "The compare-at price must be higher than the price."})


def product_create(*, seller: User, data: dict[str, Any], images: list[UploadedFile] | None = None,
                   uploader: Uploader | None = None, event: str = HistoryEvent.CREATED) -> Product:
    """A new product; with `images`, the `uploader` (who sent them) pays for their decoding."""
    prepared = []
    if images:
        if uploader is None:
            raise ValueError("Images come with their uploader, who pays for decoding them.")
        # Refuse what can be refused cheaply, then decode the images before the transaction opens.
        _validate_prices(data.get("price"), data.get("compare_at_price"))
        _check_unique_sku(seller=seller, sku=data.get("sku", ""))
        prepared = product_images_prepare(uploader=uploader, uploads=images)
    return _product_create(seller=seller, data=data, images=prepared, event=event)


@transaction.atomic
def _product_create(*, seller: User, data: dict[str, Any], images: list[CleanImage], event: str) -> Product:
    data = dict(data)
    tags = data.pop("tags", None)
    variants = data.pop("variants", None)
    _validate_prices(data.get("price"), data.get("compare_at_price"))
    _check_unique_sku(seller=seller, sku=data.get("sku", ""))
    product = Product(seller=seller, currency=seller.currency, **data)
    product.slug = _unique_slug(seller=seller, name=product.name)
    _save_new_or_changed(product)
    if tags is not None:
        product_set_tags(product=product, names=parse_tags(tags))
    if variants:
        _save_variants(product, variants)
    if images:
        _store_images(product, images)
    index_products([product.pk])
    _record_history(product=product, actor=seller, event=event, before=None)
    _after_change(product)
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User | None, data: dict[str, Any]) -> Product:
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = product_tracked_values(product)
    data = dict(data)
    tags = data.pop("tags", None)
    variants = data.pop("variants", None)
    has_variants = product.variants.exists() if variants is None else bool(variants)
    if "stock_quantity" in data and has_variants and data["stock_quantity"] != product.stock_quantity:
        raise DjangoValidationError({"stock_quantity": "This product sells by variant: set stock on its variants."})
    _validate_prices(data.get("price", product.price), data.get("compare_at_price", product.compare_at_price))
    if "sku" in data:
        _check_unique_sku(seller=product.seller, sku=data["sku"], exclude_pk=product.pk)
    for field, value in data.items():
        setattr(product, field, value)
    if "name" in data:
        product.slug = _unique_slug(seller=product.seller, name=product.name, exclude_pk=product.pk)
    _save_new_or_changed(product)
    if tags is not None:
        product_set_tags(product=product, names=parse_tags(tags))
    if variants is not None:
        _save_variants(product, variants)
    if tags is not None or variants is not None or SEARCHED_FIELDS & data.keys():
        index_products([product.pk])
    _record_history(product=product, actor=actor, event=HistoryEvent.UPDATED, before=before)
    _after_change(product, before_stock=before["stock_quantity"])
    return product


@transaction.atomic
def product_delete(*, product: Product, actor: User | None) -> None:
    """Soft delete: gone from every list, kept for orders and history."""
    updated = Product.objects.filter(pk=product.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
    if updated:
        product.refresh_from_db()
        before = product_tracked_values(product)
        _record_history(product=product, actor=actor, event=HistoryEvent.DELETED, before=before)
        _after_change(product)


@transaction.atomic
def product_duplicate(*, product: Product, actor: User | None) -> Product:
    """A draft copy (no SKU, no images, counters at zero) to edit into a sibling product."""
    data = {field: getattr(product, field) for field in PRODUCT_FIELDS if field not in {"sku", "status"}}
    data.update(name=f"{product.name} (copy)"[:200], status=ProductStatus.DRAFT, sku="", tags=product.tag_list)
    variants = [
        {"name": v.name, "options": v.options, "sku": "", "price": v.price, "stock_quantity": v.stock_quantity}
        for v in product.variants.all()
    ]
    if variants:
        data["variants"] = variants
    return product_create(seller=product.seller, data=data)


def products_bulk(*, seller: User, ids: list[int], action: str, status: str | None = None,
                  actor: User | None = None) -> dict[str, Any]:
    """Apply one action to many products. Only the seller's own live products are touched;
    every other id is reported back as not found."""
    own = {p.pk: p for p in Product.objects.alive().filter(seller=seller, pk__in=ids)}
    done, not_found = [], [pk for pk in dict.fromkeys(ids) if pk not in own]
    with transaction.atomic():
        for product in own.values():
            if action == "delete":
                product_delete(product=product, actor=actor or seller)
            else:
                product_update(product=product, actor=actor or seller, data={"status": status})
            done.append(product.pk)
    return {"action": action, "updated": sorted(done), "not_found": not_found}


def category_saved(*, category: Category) -> None:
    """An operator created, renamed or moved a category: its products (and those of the
    categories below it) are found by its name from now on."""
    index_category(category.pk)


def product_admin_saved(*, product: Product, actor: User, before: dict[str, Any] | None) -> None:
    """An operator saved a product (and its inlines) in the admin: keep what the services keep
    (tags text, stock as the variants' sum, history, the public cache)."""
    product = Product.objects.get(pk=product.pk)
    product_set_tags(product=product, names=[tag.name for tag in product.tags.order_by("name")])
    variant_stock = [v.stock_quantity for v in product.variants.all()]
    if variant_stock:
        product.stock_quantity = sum(variant_stock)
        Product.objects.filter(pk=product.pk).update(stock_quantity=product.stock_quantity)
    event = HistoryEvent.CREATED if before is None else HistoryEvent.UPDATED
    index_products([product.pk])
    _record_history(product=product, actor=actor, event=event, before=before,
                    reason=notifications.EDITED_IN_ADMIN_REASON)
    _after_change(product, before_stock=before["stock_quantity"] if before else None)


# --- Stock ------------------------------------------------------------------------------------

@transaction.atomic
def product_adjust_stock(*, product: Product, actor: User | None, delta: int, reason: str,
                         variant_id: int | None = None) -> Product:
    """Add (or remove, with a negative delta) stock in one conditional UPDATE: concurrent
    adjustments all apply, and stock never goes below zero."""
    # Lock order everywhere: the product row, then its variants (product_update does the same),
    # so that stock adjustments and edits of one product can never deadlock each other.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    has_variants = product.variants.exists()
    if has_variants and variant_id is None:
        raise VariantRequired()
    if variant_id is not None:
        variant = product.variants.filter(pk=variant_id).first()
        if variant is None:
            raise DjangoValidationError({"variant_id": "This product has no such variant."})
        rows = Variant.objects.filter(pk=variant_id)
        if delta < 0:
            rows = rows.filter(stock_quantity__gte=-delta)
        else:
            rows = rows.filter(stock_quantity__lte=MAX_STOCK - delta)
        if not rows.update(stock_quantity=F("stock_quantity") + delta):
            if delta > 0:
                raise DjangoValidationError({"delta": f"Stock cannot exceed {MAX_STOCK}."})
            variant.refresh_from_db(fields=["stock_quantity"])
            raise InsufficientStock(details={"available": variant.stock_quantity, "variant_id": variant_id})

    rows = Product.objects.filter(pk=product.pk)
    if delta < 0 and variant_id is None:
        rows = rows.filter(stock_quantity__gte=-delta)
    elif delta > 0:
        rows = rows.filter(stock_quantity__lte=MAX_STOCK - delta)
    if not rows.update(stock_quantity=F("stock_quantity") + delta):
        if delta > 0:
            raise DjangoValidationError({"delta": f"Stock cannot exceed {MAX_STOCK}."})
        product.refresh_from_db(fields=["stock_quantity"])
        raise InsufficientStock(details={"available": product.stock_quantity})

    product.refresh_from_db()
    before = product_tracked_values(product) | {"stock_quantity": product.stock_quantity - delta}
    _record_history(product=product, actor=actor, event=HistoryEvent.STOCK_ADJUSTED, before=before, reason=reason)
    _after_change(product, before_stock=before["stock_quantity"])
    return product


# --- Images -----------------------------------------------------------------------------------

def _ensure_image_room(*, current: int, uploaded: int) -> None:
    limit = settings.PRODUCT_MAX_IMAGES
    if current + uploaded > limit:
        raise TooManyImages(details={"max_images": limit, "current": current, "uploaded": uploaded})


def product_images_prepare(*, uploader: Uploader, uploads: list[UploadedFile], current: int = 0) -> list[CleanImage]:
    """The slow part of adding images, done before any transaction or lock: every header checked
    (limits, the request's pixel budget), the pixels and the seller's daily images paid for, then
    each image decoded, fitted and re-encoded."""
    _ensure_image_room(current=current, uploaded=len(uploads))
    pixels = check_image_uploads(
        uploads,
        max_bytes=settings.PRODUCT_IMAGE_MAX_BYTES,
        max_pixels=settings.PRODUCT_IMAGE_MAX_PIXELS,
        max_total_pixels=settings.PRODUCT_IMAGES_REQUEST_MAX_PIXELS,
    )
    # Counted before decoding, and kept: the work is done even when an image then fails.
    decoding_take(uploader=uploader, pixels=pixels, charges=[Charge(
        scope="product_images", amount=len(uploads), quota=settings.PRODUCT_IMAGES_DAILY_QUOTA, seconds=DAY,
        message="You have uploaded today's product images.")])
    return [
        clean_image_upload(
            upload,
            max_bytes=settings.PRODUCT_IMAGE_MAX_BYTES,
            max_pixels=settings.PRODUCT_IMAGE_MAX_PIXELS,
            max_dimension=settings.PRODUCT_IMAGE_MAX_DIMENSION,
        )
        for upload in uploads
    ]


def _store_images(product: Product, images: list[CleanImage]) -> list[ProductImage]:
    """The files and rows of prepared images, in the caller's transaction, the product locked."""
    _ensure_image_room(current=product.images.count(), uploaded=len(images))
    next_position = (product.images.aggregate(top=Max("position"))["top"] or -1) + 1
    has_primary = product.images.filter(is_primary=True).exists()
    created = []
    for offset, image in enumerate(images):
        product_image = ProductImage(
            product=product, position=next_position + offset, is_primary=not has_primary and offset == 0,
            alt_text=product.name[:200], width=image.width, height=image.height,
        )
        product_image.image.save(f"image.{image.extension}", image.content, save=False)
        product_image.save()
        created.append(product_image)
        after_commit(make_product_thumbnail_task.delay, product_image.pk)
    return created


def product_images_add(*, product: Product, uploads: list[UploadedFile], uploader: Uploader) -> list[ProductImage]:
    prepared = product_images_prepare(uploader=uploader, uploads=uploads, current=product.images.count())
    with transaction.atomic():
        # Lock the product so two uploads at once cannot both pass the image limit.
        Product.objects.select_for_update().filter(pk=product.pk).first()
        created = _store_images(product, prepared)
        _after_change(product)
    return created


@transaction.atomic
def product_image_update(*, image: ProductImage, data: dict[str, Any]) -> ProductImage:
    Product.objects.select_for_update().filter(pk=image.product_id).first()  # one primary switch at a time
    if data.get("is_primary"):
        ProductImage.objects.filter(product_id=image.product_id, is_primary=True).exclude(pk=image.pk).update(
            is_primary=False
        )
    for field, value in data.items():
        setattr(image, field, value)
    image.save(update_fields=list(data))
    _after_change(image.product)
    return image


@transaction.atomic
def product_image_delete(*, image: ProductImage) -> None:
    product = image.product
    Product.objects.select_for_update().filter(pk=product.pk).first()
    files = [f.name for f in (image.image, image.thumbnail) if f]
    storage = image.image.storage
    was_primary = image.is_primary
    image.delete()
    if was_primary:
        successor = product.images.order_by("position", "id").first()
        if successor:
            ProductImage.objects.filter(pk=successor.pk).update(is_primary=True)
    for name in files:
        transaction.on_commit(partial(storage.delete, name))
    _after_change(product)


def product_image_make_thumbnail(*, image: ProductImage) -> None:
    """The image's thumbnail (a square of PRODUCT_THUMBNAIL_SIZE at most, WebP). Written only where
    none is yet: a second delivery of the same work changes nothing."""
    with image.image.open("rb") as source, Image.open(source) as picture:
        picture.thumbnail((settings.PRODUCT_THUMBNAIL_SIZE, settings.PRODUCT_THUMBNAIL_SIZE))
        output = io.BytesIO()
        picture.convert("RGB").save(output, "WEBP", quality=80)
    image.thumbnail.save("thumb.webp", ContentFile(output.getvalue()), save=False)
    ProductImage.objects.filter(pk=image.pk, thumbnail="").update(thumbnail=image.thumbnail.name)
    catalog_cache.catalog_cache_bump(image.product_id)  # no transaction here: the UPDATE is committed


# --- Buyers -----------------------------------------------------------------------------------

def product_record_view(*, product_id: int, client: str, user: User | AnonymousUser | None = None) -> bool:
    """Count a view of the product page, once per client (`sellflow.counters.client_key`) in the
    counter window: reloading, or a script replaying the request, adds nothing. True if counted.
    The view is added to a tally in the cache, not to the product's row: a popular product's views
    never queue on its row lock. `product_views_flush` writes the tally to view_count each minute."""
    if not pending_add_once(PRODUCT_VIEWS, product_id, once_key=f"product-view:{product_id}:{client}",
                            seconds=settings.PRODUCT_COUNTER_WINDOW_SECONDS):
        return False
    if pending_flush_due(PRODUCT_VIEWS, seconds=settings.PRODUCT_VIEWS_FLUSH_SECONDS):
        # The embedded default has no beat: its in-process tally is flushed from here, once a period.
        after_commit(flush_product_views_task.delay)
    if user is not None and user.is_authenticated:
        # The shopper's own history: one row per shopper and product, bumped in place. Only that
        # shopper's requests ever touch it, so it is no hot row.
        now = timezone.now()
        updated = ProductView.objects.filter(user=user, product_id=product_id).update(
            count=F("count") + 1, last_viewed_at=now)
        if not updated:
            try:
                with transaction.atomic():
                    ProductView.objects.create(user=user, product_id=product_id, last_viewed_at=now)
            except IntegrityError:  # the same shopper's other tab got there first
                ProductView.objects.filter(user=user, product_id=product_id).update(
                    count=F("count") + 1, last_viewed_at=now)
    return True


def product_views_flush() -> dict[str, int]:
    """Add the views counted since the last flush to each product's view_count, in one pass. The
    tally is taken out of the cache and reset in one atomic step, so views counted meanwhile wait
    for the next flush (none lost, none counted twice); if the write fails, the batch goes back."""
    tally = pending_take(PRODUCT_VIEWS)
    if not tally:
        return {"products": 0, "views": 0}
    try:
        with transaction.atomic(durable=True):
            # Ascending ids: two flushes at once lock rows in the same order.
            rows = sorted(tally.items())
            for start in range(0, len(rows), VIEWS_FLUSH_BATCH):
                _add_views(rows[start:start + VIEWS_FLUSH_BATCH])
    except BaseException:
        pending_give_back(PRODUCT_VIEWS, tally)
        raise
    return {"products": len(tally), "views": sum(tally.values())}


def _add_views(rows: list[tuple[int, int]]) -> None:
    """One UPDATE for many products: view_count + CASE id WHEN ... THEN n END."""
    added = Case(*[When(pk=pk, then=Value(views)) for pk, views in rows], output_field=PositiveIntegerField())
    Product.objects.filter(pk__in=[pk for pk, _ in rows]).update(view_count=F("view_count") + added)


def product_record_share(*, product_id: int, client: str) -> bool:
    """Count a share, once per client in the counter window, like views. True if counted."""
    if not first_in_window(f"product-share:{product_id}:{client}", seconds=settings.PRODUCT_COUNTER_WINDOW_SECONDS):
        return False
    Product.objects.filter(pk=product_id).update(share_count=F("share_count") + 1)
    return True


def favorite_add(*, user: User, product: Product) -> Favorite:
    favorite, _ = Favorite.objects.get_or_create(user=user, product=product)
    return favorite


def favorite_remove(*, user: User, product_id: int) -> None:
    Favorite.objects.filter(user=user, product_id=product_id).delete()
