from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from referrals import sweeps


class Command(BaseCommand):
    help = "Run the timeout sweep beat runs (72 hours → failed, 7 days → expired), at a given time if asked."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", help="the time to sweep at, ISO 8601 (default: now); a time without offset is UTC")
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")

    def handle(self, *args, now: str | None = None, dry_run: bool = False, **options) -> None:
        at = self.parse_now(now) if now is not None else timezone.now()
        result = sweeps.run(at, dry_run=dry_run)
        self.stdout.write(f"Sweep at {at.isoformat()}:")
        for kind, ids in result.as_dict().items():
            listed = ", ".join(f"#{pk}" for pk in ids) if ids else "none"
            if kind in ("failed", "expired"):
                verb = "would archive" if dry_run else "archived"
                self.stdout.write(f"  {verb} {len(ids)} as {kind}: {listed}")
            else:
                verb = "would send" if dry_run else "sent"
                what = "24-hour reminders" if kind == "reminded" else "last calls"
                self.stdout.write(f"  {verb} {len(ids)} {what}: {listed}")

    def parse_now(self, value: str) -> datetime:
        try:
            moment = parse_datetime(value)
        except ValueError:  # well-formed but impossible, such as month 13
            moment = None
        if moment is None:
            raise CommandError(
                f"--now must be an ISO 8601 date and time, such as 2026-11-23T09:00:00+09:00; got {value!r}"
            )
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)
