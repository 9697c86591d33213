"""Cached page fragments are never stale after a change, whichever way the change came: each
partner's content version is bumped in the change's own transaction, and every key carries it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals import lifecycle, privacy, sweeps
from referrals.models import ReferralTally
from tests.factories import location_with_contact, make_referral

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def seen(client, owner):
    """A page as the partner sees it, twice (the second time from the cache)."""
    client.force_login(owner)

    def seen(url: str, **query) -> str:
        first, second = (CSRF.sub("", client.get(url, query).content.decode()) for _ in range(2))
        assert second == first
        return first

    return seen


def page_of(referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def test_an_action_shows_at_once(seen, partner, teammate):
    referral = make_referral(partner)
    assert 'id="state">New<' in seen(page_of(referral))
    assert f"#{referral.pk}<" in seen(reverse("referrals:list"), tab="new")
    lifecycle.mark_interested(referral, by=teammate)
    assert 'id="state">Evaluating<' in seen(page_of(referral))
    assert f"#{referral.pk}<" not in seen(reverse("referrals:list"), tab="new")
    assert f"#{referral.pk}<" in seen(reverse("referrals:list"), tab="evaluating")


def test_the_sweep_shows_at_once(seen, partner):
    referral = make_referral(partner, now=timezone.now() - timedelta(hours=80))
    assert 'id="state">New<' in seen(page_of(referral))
    assert f"#{referral.pk}<" in seen(reverse("referrals:dashboard"))
    sweeps.fail_overdue(timezone.now())
    assert 'id="state">Failed<' in seen(page_of(referral))
    assert f"#{referral.pk}<" not in seen(reverse("referrals:dashboard"))


def test_the_operators_admin_shows_at_once(seen, client, partner, operator):
    referral = make_referral(partner)
    assert 'id="state">New<' in seen(page_of(referral))
    operator_client = client.__class__()
    operator_client.force_login(operator)
    operator_client.post(
        reverse("admin:referrals_referral_changelist"),
        {"action": "disconnect_selected", "_selected_action": [referral.pk]},
    )
    assert 'id="state">Disconnected<' in seen(page_of(referral))


def test_an_erased_customer_disappears_at_once(seen, partner, owner):
    referral = make_referral(partner, customer__contact_name="Hanako Yamada")
    lifecycle.mark_interested(referral, by=owner)
    assert "Hanako Yamada" in seen(page_of(referral))
    privacy.erase_customer(referral.rfi.customer)
    page = seen(page_of(referral))
    assert "Hanako Yamada" not in page and "[erased]" in page


def test_a_recount_shows_at_once(seen, partner):
    for _ in range(3):
        make_referral(partner)
    drifted = ReferralTally.objects.filter(partner=partner, state="new").first()
    ReferralTally.objects.filter(pk=drifted.pk).update(count=60)  # drifted: 62 new referrals, says the tally
    page = seen(reverse("referrals:list"), tab="new")
    assert "62 referrals" in page
    call_command("recount_tallies", verbosity=0)
    page = seen(reverse("referrals:list"), tab="new")
    assert "62 referrals" not in page and ">3 referrals (" in page


def test_a_renamed_location_shows_at_once(seen, partner):
    referral = make_referral(partner)
    assert referral.location.name in seen(page_of(referral))
    referral.location.name = "Osaka branch"
    referral.location.save()
    assert "Osaka branch" in seen(page_of(referral))
    assert "Osaka branch" in seen(reverse("referrals:list"), tab="new")


def test_a_new_release_renders_afresh(settings, tmp_path):
    """Fragments an older release's templates rendered are never read: the key prefix changes."""
    from referrals_portal.release import fingerprint

    for name in ("default", "template_fragments"):
        assert settings.CACHES[name]["KEY_PREFIX"] == settings.RELEASE
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>{{ referral.state }}</p>")
    before = fingerprint(tmp_path)
    page.write_text("<p>{{ referral.get_state_display }}</p>")
    assert fingerprint(tmp_path) != before


def test_referrals_alike_share_their_action_fields_and_each_shows_its_own_estimate_and_owner(
    client, partner, owner, teammate
):
    location = location_with_contact(partner)
    deals = []
    for value, who in (("1000", owner), ("2500", teammate)):
        referral = make_referral(partner, location=location)
        lifecycle.mark_interested(referral, by=owner)
        lifecycle.accept(
            referral, by=owner, deal_value=Decimal(value), currency="JPY", close_date=date.today() + timedelta(days=30)
        )
        deals.append(lifecycle.assign(referral, by=owner, owner=who))
    client.force_login(owner)
    first, second = (client.get(page_of(deal)).content.decode() for deal in deals)
    assert re.search(r'<input[^>]*name="deal_value"[^>]*value="1000"', first)
    assert re.search(r'<input[^>]*name="deal_value"[^>]*value="2500"', second)
    assert f'<option value="{owner.pk}" selected>' in first
    assert f'<option value="{teammate.pk}" selected>' in second

    # Two new referrals at the same office: the second finds the fields the first rendered (the
    # colleagues who may own it are not read again), the same fields.
    fresh = [make_referral(partner, location=location) for _ in range(2)]
    counted = []
    for referral in fresh:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(page_of(referral)).content.decode()
        counted.append(
            (
                len(queries),
                re.sub(r"/referrals/\d+/", "", CSRF.sub("", page.split('class="actions"')[1].split("</aside>")[0])),
            )
        )
    assert counted[1][0] < counted[0][0]
    assert counted[1][1] == counted[0][1]
