"""Order sources join the project's one platform vocabulary (sellflow.platforms): `x` is stored as
`twitter` and `web` as `website`, the API document's words; a value outside the vocabulary becomes
`other`. Backwards, the new words map to the old ones, and those the old list lacked to `direct`."""

from django.db import migrations, models

RENAMED = {"x": "twitter", "web": "website"}
VOCABULARY = ["facebook", "instagram", "twitter", "whatsapp", "tiktok", "website", "direct", "chat", "assistant",
              "other"]
OLD_VOCABULARY = ["instagram", "facebook", "whatsapp", "x", "tiktok", "web", "direct"]


def to_vocabulary(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    for old, new in RENAMED.items():
        Order.objects.filter(source=old).update(source=new)
    Order.objects.exclude(source__in=VOCABULARY).update(source="other")


def to_old_words(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    for old, new in RENAMED.items():
        Order.objects.filter(source=new).update(source=old)
    Order.objects.exclude(source__in=OLD_VOCABULARY).update(source="direct")


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_cod_deadline_for_open_orders")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="source",
            field=models.CharField(choices=[("facebook", "Facebook"), ("instagram", "Instagram"),
                                            ("twitter", "X (Twitter)"), ("whatsapp", "WhatsApp"),
                                            ("tiktok", "TikTok"), ("website", "Website"), ("direct", "Direct"),
                                            ("chat", "Chat"), ("assistant", "Shopping assistant"),
                                            ("other", "Other")],
                                   default="direct", max_length=10),
        ),
        migrations.RunPython(to_vocabulary, to_old_words),
    ]
