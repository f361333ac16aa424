"""Cash-on-delivery orders placed before they had a deadline held their stock for ever: those
still waiting for the seller get one now, COD_CONFIRM_HOURS from the migration."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def give_open_cod_orders_a_deadline(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    StockReservation = apps.get_model("orders", "StockReservation")
    deadline = timezone.now() + timedelta(hours=settings.COD_CONFIRM_HOURS)
    waiting = Order.objects.filter(status="pending", payment_method="cash_on_delivery", expires_at__isnull=True)
    StockReservation.objects.filter(order__in=waiting, status="active", expires_at__isnull=True).update(
        expires_at=deadline)
    waiting.update(expires_at=deadline)


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_cod_confirmation_timeout")]

    operations = [migrations.RunPython(give_open_cod_orders_a_deadline, migrations.RunPython.noop)]
