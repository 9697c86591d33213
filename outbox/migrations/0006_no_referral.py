# The outbox no longer points at referrals: what an email is about is ``about``. The referrals
# app copies its links into ``about`` first (referrals 0006 runs before this one).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0005_about"),
    ]

    operations = [
        migrations.RemoveField(model_name="outboundemail", name="referral"),
    ]
