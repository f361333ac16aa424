"""The catalog's API views, by audience: the seller's own catalog (seller), its images
(images), its CSV import and export (import_export), what anyone sees (public), and a signed-in
buyer's own favourites (buyer)."""

from products.views.buyer import FavoriteListView, FavoriteView
from products.views.images import ProductImageDetailView, ProductImagesUploadAliasView, ProductImagesUploadView
from products.views.import_export import CatalogExportView, CatalogImportJobView, CatalogImportView
from products.views.public import (
    CategoryTreeView,
    PublicProductDetailView,
    PublicProductListView,
    ShareView,
    SuggestView,
    VendorView,
)
from products.views.seller import (
    AdjustStockView,
    BulkProductsView,
    DuplicateProductView,
    ProductDetailView,
    ProductHistoryView,
    ProductListCreateView,
    SellerTagsView,
)

__all__ = [
    "AdjustStockView", "BulkProductsView", "CatalogExportView", "CatalogImportJobView", "CatalogImportView",
    "CategoryTreeView", "DuplicateProductView", "FavoriteListView", "FavoriteView", "ProductDetailView",
    "ProductHistoryView", "ProductImageDetailView", "ProductImagesUploadAliasView", "ProductImagesUploadView",
    "ProductListCreateView", "PublicProductDetailView", "PublicProductListView", "SellerTagsView", "ShareView",
    "SuggestView", "VendorView",
]
