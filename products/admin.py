from django.contrib import admin
from django.db import transaction

from products import cache as catalog_cache
from products import services
from products.models import (
    CatalogImport,
    Category,
    Favorite,
    Product,
    ProductHistory,
    ProductImage,
    SearchSynonym,
    Tag,
    Variant,
)
from products.search.synonyms import synonyms_changed
from sellflow.admin import ViewOnlyAdmin
from sellflow.transactions import batched_announcements


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("tree_name", "slug", "icon", "position", "is_active")
    list_filter = ("is_active", ("parent", admin.RelatedOnlyFieldListFilter))
    list_editable = ("position", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent__parent",)
    ordering = ("parent__parent__position", "parent__position", "position", "name")

    @admin.display(description="Category", ordering="name")
    def tree_name(self, category: Category) -> str:
        path, node = [category.name], category.parent
        while node is not None:
            path.insert(0, node.name)
            node = node.parent
        return " › ".join(path)

    # The tree is cached for buyers: refresh it once the change is committed. Its products are
    # found by its name (and those of the categories above theirs): index them again.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change or {"name", "parent"} & set(form.changed_data):
            services.category_saved(category=obj)
        transaction.on_commit(catalog_cache.categories_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(catalog_cache.categories_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(catalog_cache.categories_changed)


class ProductImageInline(admin.TabularInline):
    """Images are uploaded through the API, which verifies and cleans them."""

    model = ProductImage
    extra = 0
    fields = ("image", "thumbnail", "alt_text", "position", "is_primary")
    readonly_fields = ("image", "thumbnail")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # through the API, which removes the files and picks the next primary


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ("name", "options", "sku", "price", "stock_quantity", "position")


class ProductHistoryInline(admin.TabularInline):
    model = ProductHistory
    extra = 0
    fields = ("created_at", "event", "actor", "changes", "reason")
    readonly_fields = fields
    can_delete = False
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "seller", "status", "price", "currency", "stock_quantity", "category", "deleted_at")
    list_filter = ("status", ("category", admin.RelatedOnlyFieldListFilter), ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "sku", "seller__email", "seller__company_name")
    list_select_related = ("seller", "category")
    raw_id_fields = ("seller",)
    readonly_fields = ("tags_text", "view_count", "share_count", "created_at", "updated_at", "deleted_at")
    inlines = [ProductImageInline, VariantInline, ProductHistoryInline]

    # Operators' edits go through the same bookkeeping as the sellers': history, tags text,
    # stock as the variants' sum, soft delete, and the buyers' cache. The values before the edit
    # ride on this request's form, from save_model (before the save) to save_related (after the
    # inlines): the ModelAdmin itself is shared by every request.
    def save_model(self, request, obj, form, change):
        form.tracked_before = services.product_tracked_values(Product.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.product_admin_saved(product=form.instance, actor=request.user, before=form.tracked_before)

    def delete_model(self, request, obj):
        services.product_delete(product=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        with batched_announcements():  # one announcement for the whole selection
            for product in queryset:
                services.product_delete(product=product, actor=request.user)


@admin.register(ProductHistory)
class ProductHistoryAdmin(ViewOnlyAdmin):
    list_display = ("product", "event", "actor", "created_at", "reason")
    list_filter = ("event",)
    search_fields = ("product__name", "product__sku", "actor__email")
    list_select_related = ("product", "actor")


@admin.register(Tag)
class TagAdmin(ViewOnlyAdmin):
    """Tags come from sellers' products; renaming one here would leave their tag lists behind."""

    search_fields = ("name",)


admin.site.register(Favorite, list_display=("user", "product", "created_at"), raw_id_fields=("user", "product"))
admin.site.register(
    CatalogImport, list_display=("id", "seller", "status", "dry_run", "created_at", "finished_at"),
    list_filter=("status",), raw_id_fields=("seller",),
    readonly_fields=("report", "error", "started_at", "finished_at"),
    exclude=("file",),  # a seller's private file: no URL, never shown
)


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """Synonyms apply to the next search once saved (the cached table is replaced)."""

    list_display = ("terms", "is_active", "updated_at")
    list_filter = ("is_active",)
    list_editable = ("is_active",)
    search_fields = ("terms",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(synonyms_changed)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(synonyms_changed)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        transaction.on_commit(synonyms_changed)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        transaction.on_commit(synonyms_changed)
