"""What beat runs every minute, in one place: the tasks and ``manage.py sweep_referrals`` call
``run`` and nothing else, so an operator at the command line does exactly what beat does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from . import actions


@dataclass
class SweepResult:
    failed: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    last_call: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {"failed": self.failed, "expired": self.expired, "reminded": self.reminded, "last_call": self.last_call}


def run(now: datetime, *, dry_run: bool = False) -> SweepResult:
    # Archive first: a referral past its deadline gets the customer's email, not a reminder.
    failed = actions.fail_overdue(now, dry_run=dry_run)
    expired = actions.expire_overdue(now, dry_run=dry_run)
    return SweepResult(
        failed=failed,
        expired=expired,
        reminded=actions.remind_unanswered(now, dry_run=dry_run),
        last_call=actions.send_last_calls(now, dry_run=dry_run),
    )
