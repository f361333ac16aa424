import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

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


@pytest.mark.parametrize("cell", ["²", "٣", "1" * 5000])
def test_a_category_cell_that_is_no_id_rejects_its_row_only(seller_client, cell):
    """"²".isdigit() is true and int("²") fails; int() refuses thousands of digits."""
    response = import_csv(seller_client, f"sku,name,price,category\nA-1,Stole,10.00,{cell}\nA-2,Beads,5.00,\n")

    assert response.status_code == 200
    first, second = response.json()["rows"]
    assert first["action"] == "rejected"
    assert first["errors"] == {"category": ["No category has this slug or id."]}
    assert second["action"] == "created"
    assert list(Product.objects.values_list("sku", flat=True)) == ["A-2"]


def test_a_file_holding_nul_characters_is_refused_whole(seller_client):
    """No CSV text holds one, and PostgreSQL cannot store a report that quotes it (jsonb)."""
    response = import_csv(seller_client, "sku,name,price,status\nA-1,Stole,10.00,\x00\n")

    assert response.status_code == 400
    assert response.json()["details"] == {"file": ["The file holds NUL characters: it is not CSV text."]}
    assert not Product.objects.exists()


def test_not_utf8(seller_client):
    latin1 = SimpleUploadedFile("x.csv", "name,price\nCafé,1\n".encode("latin-1"))
    response = seller_client.post(IMPORT, {"file": latin1}, format="multipart")

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
        from products.catalog_import.tasks import run_catalog_import

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
    from products.catalog_import import services as catalog_import

    def explode(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(catalog_import, "import_catalog", explode)
    with django_capture_on_commit_callbacks(execute=True):
        job = import_csv(seller_client, MIXED, **{"async": "true"}).json()

    failed = seller_client.get(job["url"]).json()
    assert failed["status"] == "failed"
    assert "disk" not in failed["error"]


def test_an_abandoned_job_is_taken_over(seller_client, seller):
    from datetime import timedelta

    from django.utils import timezone

    from products.catalog_import.tasks import run_catalog_import
    from products.models import CatalogImport

    job = import_csv(seller_client, "sku,name,price\nZ-1,Rescued,10.00\n", **{"async": "true"}).json()
    CatalogImport.objects.filter(pk=job["id"]).update(status="running",
                                                       started_at=timezone.now() - timedelta(hours=1))

    run_catalog_import.delay(job["id"])

    assert seller_client.get(job["url"]).json()["status"] == "done"
    assert Product.objects.filter(seller=seller, sku="Z-1").exists()


def rows_csv(count: int, prefix="R") -> str:
    return "sku,name,price\n" + "".join(f"{prefix}-{n},Item {n},10.00\n" for n in range(count))


def private_files(settings) -> list[str]:
    root = settings.PRIVATE_FILES_ROOT
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


class TestImportFilesLeaveTheMediaVolume:
    """Migration 0010: import files used to be stored under MEDIA_ROOT/imports/, which is served."""

    def sweep(self):
        import importlib

        from django.apps import apps

        migration = importlib.import_module("products.migrations.0010_catalog_import_private_files")
        migration.move_import_files_out_of_media(apps, None)

    def write(self, root, name: str) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("name,price\nStole,10.00\n")

    def test_files_whose_jobs_are_gone_are_deleted(self, settings):
        # Their rows went with their sellers (or were never saved): no job is left at all.
        self.write(settings.MEDIA_ROOT, "imports/7/catalog_a1.csv")
        self.write(settings.MEDIA_ROOT, "imports/stray.csv")
        self.write(settings.MEDIA_ROOT, "avatars/7/face.jpg")

        self.sweep()

        assert media_files(settings) == ["avatars/7/face.jpg"]
        assert private_files(settings) == []

    def test_the_file_of_an_active_job_moves_to_the_private_storage(self, settings, seller):
        from products.models import CatalogImport

        self.write(settings.MEDIA_ROOT, f"imports/{seller.pk}/running.csv")
        self.write(settings.MEDIA_ROOT, f"imports/{seller.pk}/done.csv")
        running = CatalogImport.objects.create(seller=seller, status="running", file=f"imports/{seller.pk}/running.csv")
        done = CatalogImport.objects.create(seller=seller, status="done", file=f"imports/{seller.pk}/done.csv")

        self.sweep()

        assert media_files(settings) == []
        assert private_files(settings) == [f"imports/{seller.pk}/running.csv"]
        running.refresh_from_db()
        with running.file.open("rb") as moved:
            assert moved.read() == b"name,price\nStole,10.00\n"
        done.refresh_from_db()
        assert done.file.name == ""

    def test_nothing_to_do_without_an_imports_folder(self, settings):
        self.sweep()

        assert not settings.MEDIA_ROOT.exists()


class TestLargeImportsRunInTheBackground:
    def test_a_file_over_the_sync_limit_answers_202_with_its_job(self, seller_client, seller, settings, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
        from products.catalog_import import services as catalog_import

        settings.CATALOG_IMPORT_SYNC_MAX_ROWS = 3
        events = []
        monkeypatch.setattr(catalog_import, "send_to_user", lambda user_id, event: events.append((user_id, event)))

        with django_capture_on_commit_callbacks(execute=True):
            response = import_csv(seller_client, rows_csv(4))

        assert response.status_code == 202
        job = response.json()
        assert (job["status"], job["report"]) == ("pending", None)
        assert response["Location"] == job["url"] == f"/api/products/import/{job['id']}/"
        assert "Preference-Applied" not in response
        done = seller_client.get(job["url"]).json()
        assert (done["status"], done["report"]["created"]) == ("done", 4)
        assert events == [(seller.pk, {
            "type": "job", "kind": "catalog_import", "id": job["id"], "status": "done", "url": job["url"],
            "created": 4, "updated": 0, "rejected": 0, "error": "",
        })]

    def test_a_file_within_the_limit_answers_its_report(self, seller_client, settings):
        settings.CATALOG_IMPORT_SYNC_MAX_ROWS = 3

        response = import_csv(seller_client, rows_csv(3))

        assert response.status_code == 200
        assert response.json()["created"] == 3

    def test_an_unreadable_large_file_is_refused_at_once(self, seller_client, settings):
        settings.CATALOG_IMPORT_SYNC_MAX_ROWS = 1

        response = import_csv(seller_client, "sku,name,price,colour\nA,B,1,red\nC,D,2,blue\n")

        assert response.status_code == 400
        assert "Unknown columns" in response.json()["details"]["file"][0]


class TestOneImportAtATime:
    def test_a_second_import_while_one_runs_is_409(self, seller_client, seller):
        # Queued, and not run: the test's transaction never commits.
        first = import_csv(seller_client, MIXED, **{"async": "true"}).json()

        for extra in ({}, {"async": "true"}, {"dry_run": "true"}):
            response = import_csv(seller_client, "sku,name,price\nB-1,Second,10.00\n", **extra)

            assert response.status_code == 409
            assert response.json() == {
                "error": "Another import of your catalog is still running: wait for it to finish.",
                "code": "import_in_progress", "details": {"id": first["id"], "url": first["url"]},
            }
        assert not Product.objects.filter(sku="B-1").exists()

    def test_other_sellers_are_not_held_up(self, seller_client):
        from tests.accounts.factories import UserFactory
        from tests.conftest import authenticated_client

        import_csv(seller_client, MIXED, **{"async": "true"})

        other = authenticated_client(UserFactory(account_type="seller"))
        assert import_csv(other, "sku,name,price\nO-1,Theirs,10.00\n").status_code == 200

    def test_the_next_import_is_welcome_once_one_ends(self, seller_client, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            assert import_csv(seller_client, MIXED, **{"async": "true"}).status_code == 202

        assert import_csv(seller_client, "sku,name,price\nN-1,Next,10.00\n").status_code == 200
        assert import_csv(seller_client, "sku,name,price\nN-2,After,10.00\n").status_code == 200

    def test_the_database_refuses_two_active_imports(self, seller):
        from django.db import IntegrityError, transaction

        from products.models import CatalogImport

        CatalogImport.objects.create(seller=seller, status="running")
        CatalogImport.objects.create(seller=seller, status="done")
        with pytest.raises(IntegrityError), transaction.atomic():
            CatalogImport.objects.create(seller=seller, status="pending")

    @pytest.mark.parametrize("state", [{"status": "running", "started_at": 16},
                                       {"status": "pending", "started_at": None, "created_at": 16}])
    def test_an_abandoned_import_does_not_block_for_ever(self, seller_client, seller, settings, state):
        from datetime import timedelta

        from django.utils import timezone

        from products.models import CatalogImport

        job = import_csv(seller_client, MIXED, **{"async": "true"}).json()
        ago = {key: timezone.now() - timedelta(minutes=value) if value else value for key, value in state.items()
               if key != "status"}
        CatalogImport.objects.filter(pk=job["id"]).update(status=state["status"], **ago)
        stored = private_files(settings)
        assert len(stored) == 1

        response = import_csv(seller_client, "sku,name,price\nA-9,After,10.00\n")

        assert response.status_code == 200
        lost = seller_client.get(job["url"]).json()
        assert lost["status"] == "failed"
        assert "start it again" in lost["error"]
        assert private_files(settings) == []

    def test_a_recent_import_still_holds_the_slot(self, seller_client, seller):
        from datetime import timedelta

        from django.utils import timezone

        from products.models import CatalogImport

        job = import_csv(seller_client, MIXED, **{"async": "true"}).json()
        CatalogImport.objects.filter(pk=job["id"]).update(status="running",
                                                           started_at=timezone.now() - timedelta(minutes=14))

        assert import_csv(seller_client, "sku,name,price\nA-9,After,10.00\n").status_code == 409


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL")
def test_parallel_imports_of_one_seller_only_one_starts():
    import threading

    from products.catalog_import.services import catalog_import_start
    from products.errors import ImportInProgress
    from products.models import CatalogImport
    from tests.accounts.factories import UserFactory

    seller = UserFactory(account_type="seller")
    outcomes = []
    barrier = threading.Barrier(6)

    def start():
        try:
            barrier.wait()
            catalog_import_start(seller=seller, upload=csv_file("sku,name,price\n"), dry_run=True)
            outcomes.append("started")
        except ImportInProgress:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The first may finish (eager task) before a later one starts: never two at once.
    assert "started" in outcomes and len(outcomes) == 6
    assert CatalogImport.objects.filter(seller=seller, status__in=["pending", "running"]).count() <= 1


class TestImportFiles:
    def test_the_file_is_kept_privately_until_the_job_ends(self, seller_client, settings,
                                                           django_capture_on_commit_callbacks):
        from products.models import CatalogImport

        job = import_csv(seller_client, MIXED, **{"async": "true", "dry_run": "true"}).json()

        stored = private_files(settings)
        assert len(stored) == 1 and stored[0].startswith("imports/")
        assert media_files(settings) == []  # nothing in the served volume
        assert not str(settings.PRIVATE_FILES_ROOT).startswith(str(settings.MEDIA_ROOT))

        from products.catalog_import.tasks import run_catalog_import

        run_catalog_import.delay(job["id"])

        assert seller_client.get(job["url"]).json()["status"] == "done"
        assert private_files(settings) == []
        assert CatalogImport.objects.get(pk=job["id"]).file.name == ""

    def test_a_failed_job_deletes_its_file_too(self, seller_client, settings, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            job = import_csv(seller_client, "sku,title\nA,B\n", **{"async": "true"}).json()

        assert seller_client.get(job["url"]).json()["status"] == "failed"
        assert private_files(settings) == [] and media_files(settings) == []

    def test_an_import_run_now_stores_no_file(self, seller_client, settings):
        assert import_csv(seller_client, MIXED).status_code == 200
        assert import_csv(seller_client, MIXED, dry_run="true").status_code == 200

        assert private_files(settings) == [] and media_files(settings) == []

    def test_a_refused_import_leaves_no_file(self, seller_client, settings):
        import_csv(seller_client, MIXED, **{"async": "true"})

        assert import_csv(seller_client, MIXED, **{"async": "true"}).status_code == 409
        assert len(private_files(settings)) == 1  # the first one's only

    def test_private_files_have_no_url(self):
        from sellflow.storage import private_storage

        with pytest.raises(ValueError):
            private_storage().url("imports/1/x.csv")


class TestImportLimits:
    def test_daily_quota_of_imports_dry_runs_included(self, seller_client, settings, monkeypatch):
        from datetime import timedelta

        from django.utils import timezone

        settings.CATALOG_IMPORTS_DAILY_QUOTA = 2
        assert import_csv(seller_client, MIXED, dry_run="true").status_code == 200
        assert import_csv(seller_client, MIXED).status_code == 200

        refused = import_csv(seller_client, MIXED, **{"async": "true"})

        assert refused.status_code == 429
        body = refused.json()
        assert (body["code"], body["details"]["kind"], body["details"]["quota"]) == ("quota_exceeded",
                                                                                    "catalog_imports", 2)
        assert 0 < int(refused["Retry-After"]) <= 24 * 3600
        assert private_files(settings) == []

        tomorrow = timezone.now() + timedelta(days=1)
        monkeypatch.setattr(timezone, "now", lambda: tomorrow)
        assert import_csv(seller_client, MIXED).status_code == 200

    def test_imports_are_rate_limited_per_seller(self, seller_client, throttle_rates):
        throttle_rates(upload="1/minute")
        assert import_csv(seller_client, "sku,name,price\nA-1,One,10.00\n").status_code == 200

        refused = import_csv(seller_client, "sku,name,price\nA-2,Two,10.00\n")

        assert refused.status_code == 429
        assert refused.json()["code"] == "throttled"
        assert seller_client.get(EXPORT).status_code == 200  # reading is not uploading


class TestPrune:
    def test_prune_fails_abandoned_jobs_deletes_old_ones_and_stray_files(self, seller, settings):
        import os
        from datetime import timedelta

        from django.core.files.base import ContentFile
        from django.utils import timezone

        from products.catalog_import.tasks import prune_catalog_imports
        from products.models import CatalogImport
        from sellflow.storage import private_storage

        settings.CATALOG_IMPORT_RETENTION_DAYS = 7
        now = timezone.now()
        storage = private_storage()
        old = CatalogImport.objects.create(seller=seller, status="done")
        recent = CatalogImport.objects.create(seller=seller, status="failed")
        CatalogImport.objects.filter(pk=old.pk).update(finished_at=now - timedelta(days=8))
        CatalogImport.objects.filter(pk=recent.pk).update(finished_at=now - timedelta(days=6))
        lost = CatalogImport.objects.create(seller=seller, status="running", file=storage.save(
            f"imports/{seller.pk}/lost.csv", ContentFile(b"name,price\n")))
        CatalogImport.objects.filter(pk=lost.pk).update(started_at=now - timedelta(hours=1))
        stray = storage.save(f"imports/{seller.pk}/stray.csv", ContentFile(b"name,price\n"))
        young = storage.save(f"imports/{seller.pk}/young.csv", ContentFile(b"name,price\n"))
        an_hour_ago = (now - timedelta(hours=1)).timestamp()
        os.utime(storage.path(stray), (an_hour_ago, an_hour_ago))

        result = prune_catalog_imports.delay().get()

        assert result == {"failed": 1, "deleted": 1, "files_deleted": 1}
        assert set(CatalogImport.objects.values_list("pk", "status")) == {(recent.pk, "failed"), (lost.pk, "failed")}
        assert not storage.exists(lost.file.name) and not storage.exists(stray)
        assert storage.exists(young)  # perhaps a job being created this instant

    def test_prune_keeps_what_a_running_import_reads(self, seller_client, settings):
        import os
        from datetime import timedelta

        from django.utils import timezone

        from products.catalog_import.tasks import prune_catalog_imports

        import_csv(seller_client, MIXED, **{"async": "true"})
        (name,) = private_files(settings)
        an_hour_ago = (timezone.now() - timedelta(hours=1)).timestamp()
        os.utime(settings.PRIVATE_FILES_ROOT / name, (an_hour_ago, an_hour_ago))

        assert prune_catalog_imports.delay().get() == {"failed": 0, "deleted": 0, "files_deleted": 0}
        assert private_files(settings) == [name]

    def test_the_beat_runs_it(self, settings):
        assert settings.CELERY_BEAT_SCHEDULE["products-prune-catalog-imports"]["task"] == (
            "products.tasks.prune_catalog_imports")


def test_import_tasks_keep_the_names_they_were_queued_under():
    from products.catalog_import.tasks import prune_catalog_imports, run_catalog_import
    from sellflow.celery import app as celery_app

    for task, name in [(run_catalog_import, "products.tasks.run_catalog_import"),
                       (prune_catalog_imports, "products.tasks.prune_catalog_imports")]:
        assert task.name == name
        assert name in celery_app.tasks


def test_an_import_task_for_a_job_gone_does_nothing():
    from products.catalog_import.tasks import run_catalog_import
    from products.models import CatalogImport

    run_catalog_import.delay(987654)

    assert not CatalogImport.objects.exists()
