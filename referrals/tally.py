"""The partners' running figures (``ReferralTally``): one row per partner, location, solution
area and state, with how many referrals are there, how many of them were answered within 24
hours and how many were accepted. Readers sum the rows of a partner (the inbox of a referral
admin, search) or of some of its locations (a referral user's).

Every change of a referral moves it from one row to another; ``move`` and ``add`` apply that in
the caller's transaction, so the figures commit with the change or not at all. Rows are written
in key order with one ``INSERT … ON CONFLICT`` each time, so two transactions touching the same
partner queue up instead of deadlocking. ``recount`` rebuilds rows from the referrals (the
tests check the running figures against it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Count, F, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from common.sql import is_one_of

from .models import Referral, ReferralTally, State, answered_in_time

Key = tuple[int, int, str, str]  # partner id, location id, solution area, state


@dataclass(frozen=True)
class Flags:
    """How a referral counts in its row besides being there: answered in time, accepted."""

    answered_in_time: bool
    accepted: bool

    @classmethod
    def of(cls, referral: Referral) -> Flags:
        return cls(answered_in_time=referral.answered_in_time, accepted=referral.accepted_at is not None)


def _apply(deltas: dict[Key, Counter]) -> None:
    """Add ``deltas`` to their rows, creating missing ones, in key order (PostgreSQL and SQLite)."""
    rows = [(key, delta) for key, delta in sorted(deltas.items()) if any(delta.values())]
    if not rows:
        return
    table = ReferralTally._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(rows))
    parameters: list = []
    for (partner, location, area, state), delta in rows:
        parameters += [partner, location, area, state, delta["count"], delta["answered_in_time"], delta["accepted"]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (partner_id, location_id, solution_area, state, count, answered_in_time, accepted) "  # noqa: S608
            f"VALUES {values} ON CONFLICT (partner_id, location_id, solution_area, state) DO UPDATE SET "
            f"count = {table}.count + excluded.count, "
            f"answered_in_time = {table}.answered_in_time + excluded.answered_in_time, "
            f"accepted = {table}.accepted + excluded.accepted",
            parameters,
        )


def _delta(sign: int, flags: Flags) -> Counter:
    """One referral arriving in a row (``sign`` 1) or leaving it (-1)."""
    return Counter(count=sign, answered_in_time=sign * flags.answered_in_time, accepted=sign * flags.accepted)


def add(referrals: Iterable[Referral]) -> None:
    """New referrals (their RFI loaded)."""
    deltas: dict[Key, Counter] = {}
    for referral in referrals:
        key = (referral.partner_id, referral.location_id, referral.rfi.solution_area, referral.state)
        deltas.setdefault(key, Counter()).update(_delta(1, Flags.of(referral)))
    _apply(deltas)


def move(referral: Referral, *, from_state: str, before: Flags) -> None:
    """``referral`` (its RFI loaded) left ``from_state``, where it counted with ``before``."""
    row = (referral.partner_id, referral.location_id, referral.rfi.solution_area)
    deltas: dict[Key, Counter] = {}
    deltas.setdefault((*row, from_state), Counter()).update(_delta(-1, before))
    deltas.setdefault((*row, referral.state), Counter()).update(_delta(1, Flags.of(referral)))
    _apply(deltas)


def _grouped(referrals) -> list[dict]:
    """``referrals`` grouped by partner, location, solution area and state, with their flags counted."""
    return list(
        referrals.order_by()
        .values("partner_id", "location_id", "state", solution_area=F("rfi__solution_area"))
        .annotate(
            count=Count("pk"),
            answered_in_time=Count("pk", filter=answered_in_time()),
            accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        )
    )


def move_many(ids: list[int], *, from_state: str, to_state: str) -> set[int]:
    """The sweep's batch: ``ids`` went from ``from_state`` to ``to_state`` (marks unchanged).
    Returns the partners whose figures moved."""
    in_batch, parameters = is_one_of(f"{Referral._meta.db_table}.id", ids)
    batch = Referral.objects.filter(RawSQL(in_batch, parameters, output_field=BooleanField()))  # noqa: S611 - ids as parameters
    deltas: dict[Key, Counter] = {}
    for row in _grouped(batch):
        for state, sign in ((from_state, -1), (to_state, 1)):
            delta = Counter(
                count=sign * row["count"],
                answered_in_time=sign * row["answered_in_time"],
                accepted=sign * row["accepted"],
            )
            key = (row["partner_id"], row["location_id"], row["solution_area"], state)
            deltas.setdefault(key, Counter()).update(delta)
    _apply(deltas)
    return {partner_id for partner_id, _location, _area, _state in deltas}


def recount(partner_ids: Iterable[int] | None = None) -> int:
    """Rebuild the rows of ``partner_ids`` (all partners if None) from the referrals; returns
    how many rows it wrote. For a repair, a bulk load, or a check."""
    referrals = Referral.objects.all()
    tallies = ReferralTally.objects.all()
    if partner_ids is not None:
        partner_ids = list(partner_ids)
        referrals, tallies = referrals.filter(partner_id__in=partner_ids), tallies.filter(partner_id__in=partner_ids)
    tallies.delete()
    rows = (ReferralTally(**row) for row in _grouped(referrals))
    return len(ReferralTally.objects.bulk_create(rows, batch_size=5000))


def recounted(partner_ids: Iterable[int]) -> set[tuple]:
    """The figures a recount of the referrals gives now, as comparable tuples (for checks)."""
    fields = ("partner_id", "location_id", "solution_area", "state", "count", "answered_in_time", "accepted")
    return {
        tuple(row[field] for field in fields)
        for row in _grouped(Referral.objects.filter(partner_id__in=list(partner_ids)))
    }


def running(partner_ids: Iterable[int]) -> set[tuple]:
    """The running figures, in the same shape as ``recounted``, leaving out emptied rows."""
    return set(
        ReferralTally.objects.filter(partner_id__in=list(partner_ids))
        .exclude(count=0, answered_in_time=0, accepted=0)
        .values_list("partner_id", "location_id", "solution_area", "state", "count", "answered_in_time", "accepted")
    )


# --- Reading ---------------------------------------------------------------------------------------


def by_state(
    partner_id: int, locations: Iterable[int] | None = None, *, location: int | None = None, solution_area: str = ""
) -> dict[str, int]:
    """How many of the partner's referrals (at ``locations`` only, if given; at one
    ``location`` or about one ``solution_area``, if given) are in each state (missing states: 0)."""
    tallies = ReferralTally.objects.filter(partner_id=partner_id)
    if locations is not None:
        tallies = tallies.filter(location_id__in=list(locations))
    if location is not None:
        tallies = tallies.filter(location_id=location)
    if solution_area:
        tallies = tallies.filter(solution_area=solution_area)
    counts = tallies.order_by().values_list("state").annotate(n=Sum("count"))
    return {str(state): 0 for state in State} | {state: n for state, n in counts}


def records(partner_ids: list[int], solution_area: str = "") -> dict[int, dict[str, int]]:
    """Each partner's record for search: received, answered within 24 hours, lapsed (failed
    or expired), accepted, and the same for referrals about ``solution_area`` that left New."""
    similar = Q(solution_area=solution_area) if solution_area else Q(pk__in=[])
    figures = {
        "received": ("count", None),
        "answered_within_24h": ("answered_in_time", None),
        "lapsed": ("count", Q(state__in=[State.FAILED, State.EXPIRED])),
        "accepted": ("accepted", None),
        "similar_received": ("count", similar & ~Q(state=State.NEW)),
        "similar_accepted": ("accepted", similar),
    }
    rows = (
        ReferralTally.objects.filter(partner_id__in=partner_ids)
        .order_by()
        .values("partner_id")
        .annotate(**{f"total_{name}": Coalesce(Sum(field, filter=when), 0) for name, (field, when) in figures.items()})
    )
    return {row["partner_id"]: {name: row[f"total_{name}"] for name in figures} for row in rows}  # type: ignore[literal-required]  # the names are built above
