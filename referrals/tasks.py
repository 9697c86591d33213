from celery import shared_task
from django.utils import timezone

from . import sweeps


@shared_task(ignore_result=True)
def sweep_referrals() -> dict[str, list[int]]:
    """Periodic (beat): archive referrals past their 72-hour or 7-day deadline. Safe to run
    twice or on two beat instances: the sweep selects by stored deadlines and skips locked rows."""
    return sweeps.run(timezone.now()).as_dict()
