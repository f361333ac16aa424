import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from products.models import HistoryEvent, Product, ProductHistory
from tests.products.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

IMPORT = "/api/products/import/"
EXPORT = "/api/products/export/"


def csv_file(text: str, name="catalog.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def import_csv(client, text, **extra):
    return client.post(IMPORT, {"file": csv_file(text), **extra}, format="multipart")


MIXED = """sku,name,price,compare_at_price,category,tags,status,stock_quantity
KT-1,Kente stole,149.00,189.00,kente-textiles,"kente,handmade",active,12
BD-1,Bead necklace,-5.00,,beads,,active,3
KT-1,Duplicate row,10.00,,,,active,1
SB-1,Shea butter,45.00,40.00,,,active,5
EX-1,Updated name,99.00,,,,inactive,
NO-CAT,Lost product,10.00,,no-such-category,,active,1
,No sku at all,12.50,,,,draft,2
"""


def test_mixed_file_reports_every_row_and_applies_only_good_ones(seller_client, seller):
    existing = ProductFactory(seller=seller, sku="EX-1", name="Old name", stock_quantity=7)

    response = import_csv(seller_client, MIXED)

    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["updated"], report["rejected"]) == (2, 1, 4)
    by_row = {row["row"]: row for row in report["rows"]}
    assert by_row[2]["action"] == "created"
    assert by_row[3]["action"] == "rejected" and "price" in by_row[3]["errors"]
    assert by_row[4]["action"] == "rejected" and "sku" in by_row[4]["errors"]
    assert by_row[5]["action"] == "rejected" and "compare_at_price" in by_row[5]["errors"]
    assert by_row[6]["action"] == "updated"
    assert by_row[7]["action"] == "rejected" and "category" in by_row[7]["errors"]
    assert by_row[8]["action"] == "created"

    kente = Product.objects.get(seller=seller, sku="KT-1")
    assert kente.tag_list == ["kente", "handmade"]
    assert kente.category.slug == "kente-textiles"
    existing.refresh_from_db()
    assert (existing.name, existing.status, existing.stock_quantity) == ("Updated name", "inactive", 7)
    assert not Product.objects.filter(sku__in=["BD-1", "SB-1", "NO-CAT"]).exists()
    assert ProductHistory.objects.filter(product=kente, event=HistoryEvent.IMPORTED).exists()


def test_dry_run_changes_nothing(seller_client, seller):
    response = import_csv(seller_client, MIXED, dry_run="true")

    assert response.json()["dry_run"] is True
    assert response.json()["created"] == 3  # EX-1 does not exist here, so it would be created
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("sku,title\nA,B\n", "name"),
        ("sku,name,price,colour\nA,B,1,red\n", "Unknown columns"),
    ],
)
def test_unreadable_files_are_refused_whole(seller_client, text, message):
    response = import_csv(seller_client, text)

    assert response.status_code == 400
    assert message in response.json()["details"]["file"][0]
    assert not Product.objects.exists()


def test_not_utf8(seller_client):
    response = seller_client.post(IMPORT, {"file": SimpleUploadedFile("x.csv", "name,price\nCafé,1\n".encode("latin-1"))},
                                  format="multipart")

    assert response.status_code == 400


def test_stock_of_variant_products_is_not_overwritten(seller_client, seller):
    product = ProductFactory(seller=seller, sku="V-1", stock_quantity=4)
    VariantFactory(product=product, stock_quantity=4)

    report = import_csv(seller_client, "sku,name,price,stock_quantity\nV-1,Shirt,10.00,99\n").json()

    assert report["rejected"] == 1
    assert "stock_quantity" in report["rows"][0]["errors"]


def test_export_round_trips_through_import(seller_client, seller):
    ProductFactory(seller=seller, sku="A-1", name='Comma, "quoted" name', tag_names="x,y")
    ProductFactory(seller=seller, sku="A-2", name="Deleted", deleted_at="2026-01-01T00:00:00Z")
    ProductFactory(sku="OTHER", name="Not mine")

    response = seller_client.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [(row["sku"], row["name"], row["tags"]) for row in rows] == [("A-1", 'Comma, "quoted" name', "x,y")]

    report = import_csv(seller_client, content).json()
    assert (report["updated"], report["rejected"]) == (1, 0)


def test_buyers_cannot_import_or_export(buyer_client):
    assert buyer_client.get(EXPORT).status_code == 403
    assert import_csv(buyer_client, "name,price\nA,1\n").status_code == 403


def test_export_neutralises_spreadsheet_formulas(seller_client, seller):
    ProductFactory(seller=seller, sku="F-1", name='=HYPERLINK("http://evil.example","click")')

    content = b"".join(seller_client.get(EXPORT).streaming_content).decode()

    row = next(csv.DictReader(io.StringIO(content)))
    assert row["name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"


class TestBackgroundImport:
    def test_async_answers_202_and_the_job_reports(self, seller_client, seller, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            response = import_csv(seller_client, MIXED, **{"async": "true"})

        assert response.status_code == 202
        job = response.json()
        assert job["status"] == "pending"
        assert job["url"] == f"/api/products/import/{job['id']}/"

        done = seller_client.get(job["url"]).json()
        assert done["status"] == "done"
        assert (done["report"]["created"], done["report"]["rejected"]) == (3, 4)
        assert Product.objects.filter(seller=seller, sku="KT-1").exists()

    def test_prefer_header_also_runs_in_the_background(self, seller_client):
        response = seller_client.post(IMPORT, {"file": csv_file(MIXED)}, format="multipart",
                                      HTTP_PREFER="respond-async")

        assert response.status_code == 202

    def test_an_unreadable_file_fails_the_job(self, seller_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            job = import_csv(seller_client, "sku,title\nA,B\n", **{"async": "true"}).json()

        failed = seller_client.get(job["url"]).json()
        assert failed["status"] == "failed"
        assert "name" in failed["error"]

    def test_a_redelivered_task_does_not_import_twice(self, seller_client, seller, django_capture_on_commit_callbacks):
        from products.tasks import run_catalog_import

        with django_capture_on_commit_callbacks(execute=True):
            job = import_csv(seller_client, "sku,name,price\nR-1,Once,10.00\n", **{"async": "true"}).json()
        run_catalog_import.delay(job["id"])

        assert Product.objects.filter(seller=seller, sku="R-1").count() == 1

    def test_another_sellers_job_is_404(self, seller_client):
        from tests.accounts.factories import UserFactory
        from tests.conftest import authenticated_client

        other = authenticated_client(UserFactory())
        job = import_csv(other, MIXED, **{"async": "true"}).json()

        assert seller_client.get(f"/api/products/import/{job['id']}/").status_code == 404


def test_formula_guard_is_undone_on_import(seller_client, seller):
    ProductFactory(seller=seller, sku="S-1", name="-50% sale")
    content = b"".join(seller_client.get(EXPORT).streaming_content).decode()
    assert "'-50% sale" in content

    import_csv(seller_client, content)

    assert Product.objects.get(sku="S-1").name == "-50% sale"


def test_a_crashing_import_fails_its_job(seller_client, monkeypatch, django_capture_on_commit_callbacks):
    from products import catalog_csv

    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(catalog_csv, "import_catalog", explode)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_csv(seller_client, MIXED, **{"async": "true"}).json()

    failed = seller_client.get(job["url"]).json()
    assert failed["status"] == "failed"
    assert "disk" not in failed["error"]


def test_an_abandoned_job_is_taken_over(seller_client, seller):
    from datetime import timedelta

    from django.utils import timezone

    from products.models import CatalogImport
    from products.tasks import run_catalog_import

    job = import_csv(seller_client, "sku,name,price\nZ-1,Rescued,10.00\n", **{"async": "true"}).json()
    CatalogImport.objects.filter(pk=job["id"]).update(status="running",
                                                       started_at=timezone.now() - timedelta(hours=1))

    run_catalog_import.delay(job["id"])

    assert seller_client.get(job["url"]).json()["status"] == "done"
    assert Product.objects.filter(seller=seller, sku="Z-1").exists()
