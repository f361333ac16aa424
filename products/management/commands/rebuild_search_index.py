"""`manage.py rebuild_search_index`: rewrite every product's search document and the
vocabulary (after a change of the search rules, or to drop words no product has any more)."""

from django.core.management.base import BaseCommand

from products.search.index import rebuild


class Command(BaseCommand):
    help = "Rebuild the catalog's search documents and vocabulary, with a progress bar."

    def handle(self, *args, **options):
        out, width = self.stdout, 30

        def progress(done: int, total: int) -> None:
            filled = width * done // total
            out.write(f"\r  products [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
                      ending="" if done < total else "\n")
            out.flush()

        count = rebuild(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {count} products."))
