"""Every cache key of the partner's pages, and how long each entry lives, built here and nowhere
else.

A key is the partner, its content version (``PartnerCompany.content_version``), the locations
the user sees (all of them, or a referral user's), the language and time zone it was rendered
in, and what the fragment depends on besides (a tab, a page, a
filter). Every change to what these pages show bumps the version in its own transaction (the
actions, the sweep and reminders, the admin's lifecycle form, an erasure, a recount, an edit
of a profile, location or contact), so the first page after a commit gets a new key: nothing
rests on an unwritten rule about how counts move. Keys start with the release (the caches'
KEY_PREFIX), so a new release never reads what an older template rendered.

The timeouts only bound memory, and what no version covers: a colleague renamed in a
timeline shows within ``FRAGMENT_SECONDS``. The dashboard's clocks carry the minute they show.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from profiles.auth import partner_of
from profiles.models import PartnerCompany, User

FRAGMENT_SECONDS = 300  # page fragments, in each web process
TIPS_SECONDS = 300  # tips, in the shared cache
INSIGHTS_SECONDS = 600  # insights figures, in the shared cache, and their page fragment


def changed(partner_ids: Iterable[int]) -> None:
    """What these partners' pages show has changed: called in the transaction of the change."""
    PartnerCompany.objects.filter(pk__in=set(partner_ids)).bump_content_version()


@dataclass(frozen=True)
class Key:
    """What a ``{% cache key.timeout <name> key.value %}`` tag, or ``cache.get_or_set``, needs."""

    value: str
    timeout: int


def _key(kind: str, user: User, *parts: object, timeout: int) -> Key:
    partner = partner_of(user)  # loaded with the user (profiles.auth.PortalBackend)
    shown_as = (get_language(), timezone.get_current_timezone_name())
    scope = sorted(user.location_scope) if user.location_scope is not None else "all"  # a referral user's
    raw = repr((kind, partner.pk, partner.content_version, scope, *shown_as, *parts))
    return Key(f"{kind}:{hashlib.sha256(raw.encode()).hexdigest()}", timeout)


def inbox_rows(user: User, *, filters: tuple, minute: str) -> Key:
    # The reader's own id too: "assigned to me" and the unopened marks differ between colleagues.
    return _key("inbox", user, filters, minute, user.pk, reads_version(user), timeout=FRAGMENT_SECONDS)


def inbox_filters(user: User, *, filters: tuple) -> Key:
    # The reader's own id too: the owner filter offers "assigned to me".
    return _key("inbox-filters", user, filters, user.pk, timeout=FRAGMENT_SECONDS)


def _reads_key(user: User) -> str:
    return f"reads:{user.pk}"


def reads_version(user: User) -> str | None:
    """Changes each time the user opens a referral for the first time (in the shared cache;
    lost with it, which only renders the inbox afresh)."""
    return cache.get(_reads_key(user))


def opened_first_time(user: User) -> None:
    cache.set(_reads_key(user), uuid.uuid4().hex, timeout=None)


def dashboard_lists(user: User, *, minute: str) -> Key:
    return _key("dashboard", user, minute, timeout=FRAGMENT_SECONDS)


def referral_page(user: User, referral_id: int) -> Key:
    """The parts of a referral's page; each fragment tag adds its own name (summary, history)."""
    return _key("referral", user, referral_id, timeout=FRAGMENT_SECONDS)


def action_fields(user: User, action: str, shown: tuple) -> Key:
    """The unbound fields of one action's form, shared by the partner's referrals that show
    alike in it (``ActionForm.shown_alike``: the state, and the owner or estimate a form starts
    from): a referral opened for the first time finds them rendered."""
    return _key("action-fields", user, action, shown, timeout=FRAGMENT_SECONDS)


def tips(user: User, *, day: date) -> Key:
    return _key("tips", user, day, timeout=TIPS_SECONDS)


def insights_figures(user: User, *, filters: list) -> Key:
    return _key("insights", user, filters, timeout=INSIGHTS_SECONDS)


def insights_form(user: User, *, query: str) -> Key:
    return _key("insights-form", user, query, timeout=FRAGMENT_SECONDS)
