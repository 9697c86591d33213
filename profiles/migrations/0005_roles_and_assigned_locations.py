# Partner Center's roles: referral admin and referral user (the old "member"), and the locations a
# referral user is assigned to.

from django.db import migrations, models


def members_become_referral_users(apps, schema_editor):
    apps.get_model("profiles", "User").objects.filter(role="member").update(role="user")


class Migration(migrations.Migration):

    dependencies = [
        ("profiles", "0004_partner_content_version"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="role",
            field=models.CharField(
                choices=[("admin", "Referral admin"), ("user", "Referral user")],
                default="user",
                help_text=(
                    "A referral admin sees every location's referrals and runs the profiles and the team; a "
                    "referral user sees the referrals of the locations assigned to them."
                ),
                max_length=16,
                verbose_name="role",
            ),
        ),
        migrations.RunPython(members_become_referral_users, migrations.RunPython.noop),
        migrations.AddField(
            model_name="user",
            name="locations",
            field=models.ManyToManyField(
                blank=True,
                help_text="The locations whose referrals a referral user sees.",
                related_name="assigned_users",
                to="profiles.location",
                verbose_name="assigned locations",
            ),
        ),
    ]
