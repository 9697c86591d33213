"""A realistic data set, fast: PostgreSQL COPY straight into the portal's tables.

    DATABASE_URL=postgres://127.0.0.1:5432/bench python -m bench.generate --referrals 1000000

2,000 partner companies, 5,000 locations with contacts, 10,000 partner users, and referrals
over every state and two years with their RFIs, customers and transition records; partner 1
("Bench Partner") gets ``--focus`` of them and the user ``bench`` (password ``bench-pass``).
It empties these tables first, so it refuses a database whose name lacks "bench".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, models  # noqa: E402

from profiles.models import BusinessProfile, Contact, Location, PartnerCompany, User  # noqa: E402
from referrals import tally  # noqa: E402
from referrals.models import RFI, Customer, Referral, ReferralEvent  # noqa: E402

REGIONS = ["JP", "US", "GB", "DE", "FR", "SG", "AU", "IN", "CA"]
AREAS = ["cloud_infrastructure", "data_ai", "security", "modern_work", "business_applications", "app_development"]
INDUSTRIES = ["manufacturing", "retail", "finance", "healthcare", "public_sector", "education", "media", "other"]
SIZES = ["small", "medium", "large", "enterprise"]
# Archived outcomes of referrals older than a week, and the states of the recent ones.
OUTCOMES = (["won"] * 15 + ["lost"] * 10 + ["skipped"] * 15 + ["failed"] * 12 + ["declined"] * 10
            + ["expired"] * 6 + ["disconnected"] * 3 + ["negotiating"] * 29)  # fmt: skip
RECENT = ["new"] * 40 + ["evaluating"] * 35 + ["negotiating"] * 15 + ["skipped"] * 10


def columns(model: type[models.Model]) -> list[str]:
    return [str(field.column) for field in model._meta.concrete_fields]


def copy(model: type[models.Model], rows) -> int:
    """COPY dict rows into ``model``'s table. A missing column of a field that is not nullable
    (one added to the model later) takes the field's constant default, or "" for text as Django
    would; otherwise None."""
    names = columns(model)
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.null or (field.has_default() and callable(field.default)):
            continue
        if field.has_default() or field.empty_strings_allowed:
            defaults[str(field.column)] = field.get_db_prep_save(field.get_default(), connection)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({', '.join(names)}) FROM STDIN") as stream,
    ):
        for row in rows:
            stream.write_row([row.get(name, defaults.get(name)) for name in names])
            count += 1
    return count


# Where rows added after the data set (bench/run.py, bench/load.py) start: one id for a customer,
# its request and its referral, past all three tables (a run that stopped halfway leaves some).
FIRST_FREE_ID = (
    "SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM referrals_referral), "
    "(SELECT COALESCE(MAX(id), 0) FROM referrals_rfi), (SELECT COALESCE(MAX(id), 0) FROM referrals_customer))"
)


def truncate() -> None:
    tables = [m._meta.db_table for m in (ReferralEvent, Referral, RFI, Customer, Contact, Location, BusinessProfile)]
    tables += ["outbox_outboundemail", "django_session", User._meta.db_table, PartnerCompany._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def reset_sequences() -> None:
    with connection.cursor() as cursor:
        for model in (PartnerCompany, BusinessProfile, Location, Contact, User, Customer, RFI, Referral, ReferralEvent):
            table = model._meta.db_table
            cursor.execute(
                # table names come from the models, not from input
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"  # noqa: S608
            )


def referral_story(rng: random.Random, received: datetime, now: datetime) -> dict:
    """A referral's state and timestamps, consistent with DOMAIN.md's rules."""
    age = now - received
    state = rng.choice(OUTCOMES if age > timedelta(days=8) else RECENT)
    if state == "new" and age > timedelta(hours=72):
        state = "failed"
    story: dict = {"state": state, "received_at": received, "updated_at": received}
    answered = received + timedelta(minutes=rng.randint(10, 60 * 60))
    if state in ("failed", "disconnected") or (state == "new"):
        if state != "new":
            story["closed_at"] = received + timedelta(hours=72 if state == "failed" else 5)
        return story
    story["first_response_at"] = answered
    if state == "skipped":
        story["closed_at"] = answered
        story["skip_reason"] = rng.choice(["not_a_fit", "no_capacity", "location"])
        return story
    story["evaluating_at"] = answered
    if state == "evaluating":
        return story
    if state in ("declined", "expired"):
        story["closed_at"] = answered + (timedelta(days=7) if state == "expired" else timedelta(days=1))
        story["decline_reason"] = "no_capacity" if state == "declined" else ""
        return story
    story["accepted_at"] = answered + timedelta(days=1)
    story["deal_value"] = Decimal(rng.randint(10, 5000) * 1000)
    story["currency"] = rng.choice(["JPY", "USD", "EUR"])
    story["close_date"] = (received + timedelta(days=60)).date()
    if state == "won":
        story["final_value"] = story["deal_value"]
        story["closed_at"] = story["accepted_at"] + timedelta(days=30)
    elif state == "lost":
        story["lost_reason"] = "competitor"
        story["closed_at"] = story["accepted_at"] + timedelta(days=30)
    return story


INTERESTED = ("mark_interested", "new", "evaluating", "evaluating_at")
ACCEPTED = ("accept", "evaluating", "negotiating", "accepted_at")
EVENTS = {  # state → the transitions that led there, as (action, from, to, timestamp key)
    "new": [],
    "failed": [("fail", "new", "failed", "closed_at")],
    "disconnected": [("disconnect", "new", "disconnected", "closed_at")],
    "skipped": [("mark_not_interested", "new", "skipped", "first_response_at")],
    "evaluating": [INTERESTED],
    "declined": [INTERESTED, ("decline", "evaluating", "declined", "closed_at")],
    "expired": [INTERESTED, ("expire", "evaluating", "expired", "closed_at")],
    "negotiating": [INTERESTED, ACCEPTED],
    "won": [INTERESTED, ACCEPTED, ("mark_won", "negotiating", "won", "closed_at")],
    "lost": [INTERESTED, ACCEPTED, ("mark_lost", "negotiating", "lost", "closed_at")],
}


def generate(*, partners: int, locations: int, users: int, referrals: int, focus: int, seed: int = 7) -> dict:
    """The whole data set, in steps; partner 1 ("bench") gets ``focus`` of the referrals."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    started = time.perf_counter()
    truncate()
    location_profile = _partners(rng, now, partners, locations)
    _users(rng, now, users, partners)
    stories = _stories(rng, now, referrals, focus, locations)
    _requests(rng, stories, location_profile)
    event_count = copy(ReferralEvent, _events(stories))
    reset_sequences()
    tally_rows = tally.recount()  # the running figures the portal keeps (referrals/tally.py)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "partners": partners,
        "locations": locations,
        "users": users,
        "referrals": referrals,
        "focus_partner_referrals": focus,
        "events": event_count,
        "tally_rows": tally_rows,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _partners(rng: random.Random, now: datetime, partners: int, locations: int) -> dict[int, int]:
    """Partner companies, one profile each, their locations with a contact each. Returns each
    location's profile (= partner) id: every partner one location, the rest spread."""
    copy(PartnerCompany, ({"id": i, "name": "Bench Partner" if i == 1 else f"Partner {i:05d}", "is_active": True,
                           "created_at": now, "content_version": 0} for i in range(1, partners + 1)))  # fmt: skip
    copy(BusinessProfile, ({
        "id": i, "partner_id": i, "region": "JP" if i % 3 else rng.choice(REGIONS),
        "headline": f"Partner {i} services", "description": "", "keywords": ", ".join(rng.sample(AREAS, 2)),
        "solution_areas": json.dumps(rng.sample(AREAS, 2)), "industries": json.dumps(rng.sample(INDUSTRIES, 3)),
        "company_sizes": json.dumps(rng.sample(SIZES, 2)), "languages": json.dumps(["ja", "en"]),
        "is_active": True, "created_at": now, "updated_at": now,
    } for i in range(1, partners + 1)))  # fmt: skip
    location_profile = {i: i if i <= partners else rng.randint(1, partners) for i in range(1, locations + 1)}
    copy(Location, ({"id": i, "profile_id": p, "name": f"Office {i}", "city": "Tokyo", "address": "",
                     "postal_code": "", "is_active": True} for i, p in location_profile.items()))  # fmt: skip
    copy(Contact, ({"id": i, "location_id": i, "name": f"Contact {i}", "email": f"contact{i}@partner.example",
                    "phone": "", "language": "ja", "receives_referrals": True} for i in range(1, locations + 1)))  # fmt: skip
    return location_profile


def _users(rng: random.Random, now: datetime, users: int, partners: int) -> None:
    """Partner users, each a referral admin (every location of the partner); user 1, "bench",
    belongs to partner 1."""
    password = make_password("bench-pass")
    copy(User, ({
        "id": i, "password": password, "is_superuser": False, "username": "bench" if i == 1 else f"user{i}",
        "first_name": "", "last_name": "", "email": f"user{i}@partner.example", "is_staff": False, "is_active": True,
        "date_joined": now, "partner_id": 1 if i == 1 else rng.randint(1, partners), "role": "admin",
        "language": "ja", "time_zone": "Asia/Tokyo", "is_api_client": False,
    } for i in range(1, users + 1)))  # fmt: skip


def _stories(rng: random.Random, now: datetime, referrals: int, focus: int, locations: int) -> list:
    """For each referral: its location and its life so far (state and timestamps)."""
    stories = []
    for i in range(1, referrals + 1):
        received = now - timedelta(seconds=rng.randint(60, 730 * 86400))
        location = 1 if i <= focus else rng.randint(1, locations)
        stories.append((i, location, referral_story(rng, received, now)))
    return stories


def _requests(rng: random.Random, stories: list, location_profile: dict[int, int]) -> None:
    """One customer and one request per referral, and the referrals."""
    copy(Customer, ({"id": i, "contact_name": f"Customer {i}", "company_name": f"Company {i}",
                     "email": f"customer{i}@customer.example", "phone": "", "language": "ja",
                     "created_at": s["received_at"]} for i, _location, s in stories))  # fmt: skip
    copy(RFI, ({
        "id": i, "customer_id": i, "source": "search", "need": f"Request {i}: move systems to the cloud",
        "solution_area": rng.choice(AREAS), "company_size": rng.choice(SIZES), "industry": rng.choice(INDUSTRIES),
        "region": "JP", "budget_range": "medium", "timeline": "quarter", "consent_to_share": True,
        "status_salt": secrets.token_urlsafe(24), "created_at": s["received_at"],
    } for i, _location, s in stories))  # fmt: skip
    copy(Referral, ({
        "id": i, "rfi_id": i, "partner_id": location_profile[location], "location_id": location, "source": "search",
        "currency": "", "decline_reason": "", "lost_reason": "", "skip_reason": "", "outcome_note": "",
        "external_reference_id": "", **story,
    } for i, location, story in stories))  # fmt: skip


def _events(stories: list):
    """Each referral's timeline: its arrival, then the transitions that led to its state."""
    event_id = 0
    for i, _location, story in stories:
        event_id += 1
        yield {"id": event_id, "referral_id": i, "action": "received", "from_state": "", "to_state": "new",
               "actor_kind": "customer", "note": "", "details": "{}", "created_at": story["received_at"]}  # fmt: skip
        for action, source, target, at in EVENTS[story["state"]]:
            event_id += 1
            yield {"id": event_id, "referral_id": i, "action": action, "from_state": source, "to_state": target,
                   "actor_kind": "system" if action in ("fail", "expire") else "partner", "note": "", "details": "{}",
                   "created_at": story[at]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--partners", type=int, default=2000)
    parser.add_argument("--locations", type=int, default=5000)
    parser.add_argument("--users", type=int, default=10000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--focus", type=int, default=10_000, help="referrals of partner 1, whose pages are measured")
    arguments = parser.parse_args()
    if connection.vendor != "postgresql" or "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("bench/generate.py empties tables: point DATABASE_URL at a PostgreSQL database named *bench*.")
    print(json.dumps(generate(**vars(arguments)), indent=2))


if __name__ == "__main__":
    main()
