"""AI platforms join the project's one platform vocabulary (sellflow.platforms): X is `twitter`, the
API document's word, in stored contents, in the options they were asked with, in the parameters
of jobs still to run and in the results of finished jobs (polled as they were stored)."""

from django.db import migrations, models


def _rename(apps, old: str, new: str) -> None:
    AIContent = apps.get_model("ai", "AIContent")
    AIJob = apps.get_model("ai", "AIJob")
    AIContent.objects.filter(platform=old).update(platform=new)
    # A job's parameters hold the content request it will run: {"request": {"platform": ...}}; its
    # result, the generation's answer: {"content": {"platform": ..., "options": {"platform": ...}}}.
    places = ((AIContent, "options", []), (AIJob, "params", ["request"]), (AIJob, "result", ["content"]),
              (AIJob, "result", ["content", "options"]))
    for model, field, path in places:
        lookup = "__".join([field, *path, "platform"])
        for row in model.objects.filter(**{lookup: old}).only("pk", field).iterator():
            holder = getattr(row, field)
            for key in path:
                holder = holder[key]
            holder["platform"] = new
            row.save(update_fields=[field])


def x_to_twitter(apps, schema_editor):
    _rename(apps, "x", "twitter")


def twitter_to_x(apps, schema_editor):
    _rename(apps, "twitter", "x")


class Migration(migrations.Migration):
    dependencies = [("ai", "0002_usage_quota_window")]

    operations = [
        migrations.AlterField(
            model_name="aicontent",
            name="platform",
            field=models.CharField(blank=True, choices=[("facebook", "Facebook"), ("instagram", "Instagram"),
                                                        ("twitter", "X (Twitter)"), ("whatsapp", "WhatsApp"),
                                                        ("tiktok", "TikTok")], max_length=20),
        ),
        migrations.RunPython(x_to_twitter, twitter_to_x),
    ]
