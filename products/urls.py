from django.urls import path

from products import views
from sellflow import converters  # noqa: F401  (registers <id:...>)

app_name = "products"

urlpatterns = [
    path("", views.ProductListCreateView.as_view(), name="list"),
    path("<id:pk>/", views.ProductDetailView.as_view(), name="detail"),
    path("<id:pk>/upload_images/", views.ProductImagesUploadView.as_view(), name="upload-images"),
    path("<id:pk>/upload-images/", views.ProductImagesUploadAliasView.as_view()),
    path("<id:pk>/images/<id:image_id>/", views.ProductImageDetailView.as_view(), name="image"),
    path("<id:pk>/history/", views.ProductHistoryView.as_view(), name="history"),
    path("<id:pk>/adjust_stock/", views.AdjustStockView.as_view(), name="adjust-stock"),
    path("<id:pk>/duplicate/", views.DuplicateProductView.as_view(), name="duplicate"),
    path("<id:pk>/favorite/", views.FavoriteView.as_view(), name="favorite"),
    path("bulk/", views.BulkProductsView.as_view(), name="bulk"),
    path("categories/", views.CategoryTreeView.as_view(), name="categories"),
    path("tags/", views.SellerTagsView.as_view(), name="tags"),
    path("import/", views.CatalogImportView.as_view(), name="import"),
    path("import/<id:job_id>/", views.CatalogImportJobView.as_view(), name="import-job"),
    path("export/", views.CatalogExportView.as_view(), name="export"),
    path("favorites/", views.FavoriteListView.as_view(), name="favorites"),
    path("public/list/", views.PublicProductListView.as_view(), name="public-list"),
    path("public/suggest/", views.SuggestView.as_view(), name="public-suggest"),
    path("public/<id:pk>/", views.PublicProductDetailView.as_view(), name="public-detail"),
    path("public/<id:pk>/share/", views.ShareView.as_view(), name="public-share"),
    path("public/vendor/<id:vendor_id>/", views.VendorView.as_view(), name="public-vendor"),
]
