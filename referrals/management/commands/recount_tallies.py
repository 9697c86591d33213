from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from profiles.models import PartnerCompany
from referrals import caching, tally


class Command(BaseCommand):
    help = (
        "Compare the partners' running tallies (inbox tabs, search records) with the referrals, "
        "and rebuild those that differ. Every change of a referral keeps them in step; this is "
        "for after a bulk load or a repair by hand. --check is safe at any time; rebuild while "
        "the web and the workers are stopped (a change committed during the rebuild can be missed)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="only report; exit with status 1 if any differ")
        parser.add_argument("--partner", type=int, action="append", help="only this partner id (repeatable)")

    def handle(self, *args, check: bool = False, partner: list[int] | None = None, **options) -> None:
        partner_ids = partner or list(PartnerCompany.objects.order_by("pk").values_list("pk", flat=True))
        unknown = set(partner_ids) - set(PartnerCompany.objects.filter(pk__in=partner_ids).values_list("pk", flat=True))
        if unknown:
            raise CommandError(f"No partner company with id {', '.join(map(str, sorted(unknown)))}.")
        # Two grouped queries for all partners; a row on one side only names its partner.
        differing = sorted({row[0] for row in tally.running(partner_ids) ^ tally.recounted(partner_ids)})
        if not differing:
            self.stdout.write(f"The tallies of {len(partner_ids)} partners match their referrals.")
            return
        listed = ", ".join(f"#{pk}" for pk in differing)
        if check:
            self.stdout.write(f"The tallies of {len(differing)} partners differ from their referrals: {listed}")
            raise SystemExit(1)
        with transaction.atomic():
            tally.recount(differing)
            caching.changed(differing)
        self.stdout.write(f"Rebuilt the tallies of {len(differing)} partners: {listed}")
