# What an email is about, as a generic reference (the outbox knows no app); emails built at
# send time; a cancelled status; "Send again" as a permission of its own.

import django.db.models.deletion
from django.db import migrations, models


def at_send_from_unrendered(apps, schema_editor):
    apps.get_model("outbox", "OutboundEmail").objects.filter(rendered=False).update(renders_at_send=True)


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("outbox", "0004_lean_indexes"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="outboundemail",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("resend_outboundemail", "Can send emails again")],
                "verbose_name": "outbound email",
                "verbose_name_plural": "outbound emails",
            },
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="about_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="about (id)"),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="about_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="about (kind)",
            ),
        ),
        migrations.AddField(
            model_name="outboundemail",
            name="renders_at_send",
            field=models.BooleanField(
                default=False,
                help_text="Built just before sending; the row keeps a copy without its links.",
                verbose_name="rendered at send time",
            ),
        ),
        migrations.RunPython(at_send_from_unrendered, migrations.RunPython.noop),
        migrations.RemoveField(model_name="outboundemail", name="rendered"),
        migrations.AlterField(
            model_name="outboundemail",
            name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed"), ("cancelled", "Cancelled")],
                default="pending",
                max_length=16,
                verbose_name="status",
            ),
        ),
        migrations.AddIndex(
            model_name="outboundemail",
            index=models.Index(fields=["about_type", "about_id"], name="outbox_about"),
        ),
    ]
