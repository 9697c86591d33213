# Password-reset emails written before the outbox built them at send time held working links in
# their bodies and their reason keys: keep neither. Pending ones are rebuilt when they are sent.

from django.db import migrations
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat

NOT_KEPT = "[password-reset link: not kept]"


def drop_links(apps, schema_editor):
    emails = apps.get_model("outbox", "OutboundEmail").objects.filter(template="password_reset")
    emails.update(dedupe_key=Concat(Value("password-reset:"), Cast(F("id"), CharField())))
    emails.filter(status="pending").update(renders_at_send=True, subject="", body_text="", body_html="")
    emails.exclude(status="pending").update(body_text=NOT_KEPT, body_html=NOT_KEPT)


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0005_about"),
        ("profiles", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_links, migrations.RunPython.noop),
    ]
