"""Vodafone Ghana is Telecel since 2024: payments stored with `vodafone` say `telecel` now, the
network's one stored name (`vodafone` is still taken on input, orders.mobile_money)."""

from django.db import migrations, models


def vodafone_to_telecel(apps, schema_editor):
    Payment = apps.get_model("orders", "Payment")
    Payment.objects.filter(mobile_money_provider="vodafone").update(mobile_money_provider="telecel")


def telecel_to_vodafone(apps, schema_editor):
    Payment = apps.get_model("orders", "Payment")
    Payment.objects.filter(mobile_money_provider="telecel").update(mobile_money_provider="vodafone")


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_platform_vocabulary")]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="mobile_money_provider",
            field=models.CharField(blank=True, choices=[("mtn", "MTN"), ("telecel", "Telecel (formerly Vodafone)"),
                                                        ("airteltigo", "AirtelTigo")], max_length=10),
        ),
        migrations.RunPython(vodafone_to_telecel, telecel_to_vodafone),
    ]
