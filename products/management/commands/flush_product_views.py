"""`manage.py flush_product_views`: add the views tallied in Redis to view_count now, as the
beat does each minute. On the embedded default the tally lives in the server's process, which
flushes it itself: this command, another process, finds nothing there."""

from django.core.management.base import BaseCommand

from products.services import product_views_flush


class Command(BaseCommand):
    help = "Write the product views counted in the cache to the database now."

    def handle(self, *args, **options):
        flushed = product_views_flush()
        self.stdout.write(self.style.SUCCESS(
            f"Flushed {flushed['views']} views of {flushed['products']} products."))
