# The customer's private link: derived from a salt with the secret key, stored as a digest only.
# The outbox's emails about referrals and requests point at them through ``about``; the
# customer's emails (which held the old links) are rebuilt at send time or kept without text.

import base64
import hashlib
import secrets

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import F
from django.utils.crypto import salted_hmac

import referrals.models

CUSTOMER_TEMPLATES = ("rfi_received", "choose_another_partner")
NOT_KEPT = "[kept without its private link]"


def link_emails(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    referral_type, _ = ContentType.objects.get_or_create(app_label="referrals", model="referral")
    rfi_type, _ = ContentType.objects.get_or_create(app_label="referrals", model="rfi")
    OutboundEmail.objects.filter(referral__isnull=False).update(about_type=referral_type, about_id=F("referral_id"))
    for email in OutboundEmail.objects.filter(template="rfi_received", about_id__isnull=True):
        email.about_type, email.about_id = rfi_type, int(email.dedupe_key.split(":")[1])
        email.save(update_fields=["about_type", "about_id"])
    customers = OutboundEmail.objects.filter(template__in=CUSTOMER_TEMPLATES)
    customers.filter(status="pending").update(renders_at_send=True, subject="", body_text="", body_html="")
    customers.exclude(status="pending").update(body_text=NOT_KEPT, body_html=NOT_KEPT)


def derive_links(apps, schema_editor):
    RFI = apps.get_model("referrals", "RFI")
    for rfi in RFI.objects.select_related("customer").iterator():
        if rfi.customer.erased_at:
            rfi.status_salt, rfi.status_digest = "", None
        else:
            rfi.status_salt = secrets.token_urlsafe(24)
            token = salted_hmac("referrals.rfi.status", rfi.status_salt, algorithm="sha256").digest()
            token = base64.urlsafe_b64encode(token).rstrip(b"=").decode()
            rfi.status_digest = hashlib.sha256(token.encode()).hexdigest()
        rfi.save(update_fields=["status_salt", "status_digest"])


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("outbox", "0005_about"),
        ("referrals", "0005_lean_indexes"),
    ]
    run_before = [("outbox", "0006_no_referral")]

    operations = [
        migrations.RunPython(link_emails, migrations.RunPython.noop),
        migrations.AddField(
            model_name="rfi",
            name="status_salt",
            field=models.CharField(default=referrals.models.new_status_salt, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="rfi",
            name="status_digest",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(derive_links, migrations.RunPython.noop),
        migrations.RemoveField(model_name="rfi", name="status_token"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(django.db.models.functions.text.Upper("email"), name="customer_email"),
        ),
    ]
