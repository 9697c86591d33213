# The running tallies get the location in their key (a referral user's counts are their
# locations'): the rows are rebuilt from the referrals.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, F, Q


def recount(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    ReferralTally = apps.get_model("referrals", "ReferralTally")
    ReferralTally.objects.all().delete()
    in_time = Q(
        first_response_at__isnull=False,
        first_response_at__lte=F("received_at") + settings.REFERRAL_RESPONSE_RECOMMENDED,
    )
    rows = (
        Referral.objects.order_by()
        .values("partner_id", "location_id", "state", solution_area=F("rfi__solution_area"))
        .annotate(
            count=Count("pk"),
            answered_in_time=Count("pk", filter=in_time),
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        )
    )
    ReferralTally.objects.bulk_create((ReferralTally(**row) for row in rows), batch_size=5000)


class Migration(migrations.Migration):

    dependencies = [
        ("profiles", "0005_roles_and_assigned_locations"),
        ("referrals", "0007_event_actions_and_tally_count"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="referraltally", name="one_tally_per_key"),
        migrations.RunPython(lambda apps, schema_editor: apps.get_model("referrals", "ReferralTally").objects.all().delete(), migrations.RunPython.noop),
        migrations.AddField(
            model_name="referraltally",
            name="location",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="profiles.location",
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="referraltally",
            constraint=models.UniqueConstraint(
                fields=("partner", "location", "solution_area", "state"), name="one_tally_per_key"
            ),
        ),
        migrations.RunPython(recount, migrations.RunPython.noop),
    ]
