"""The Nu HTML Checker (vnu.jar, the W3C validator's engine) on the HTML of the portal's pages,
in both languages: public pages, a partner admin's, the admin's main pages, and refused forms."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from referrals import lifecycle
from tests.factories import make_referral, scoped_user

pytestmark = pytest.mark.django_db

VNU = Path(settings.BASE_DIR) / "var/tools/node_modules/vnu-jar/build/dist/vnu.jar"


def pages(owner, operator, scoped, viewer) -> dict[str, tuple[Client | None, str, dict | None]]:
    evaluating = make_referral(owner.partner)
    lifecycle.mark_interested(evaluating, by=owner)
    new = make_referral(owner.partner)
    lifecycle.mark_not_interested(make_referral(owner.partner), reason="other", by=owner)
    accept = reverse("referrals:act", args=[evaluating.pk, "accept"])
    scoped = scoped or scoped_user(owner.partner, evaluating.location)
    return {
        "search": (None, "/partners/?region=JP&solution_area=cloud_infrastructure", None),
        "search, no office chosen": (None, "/partners/?region=JP&solution_area=cloud_infrastructure&write=1", None),
        "partner": (None, f"/partners/{evaluating.location.profile_id}/", None),
        "request form": (None, f"/requests/new/?location={evaluating.location_id}", None),
        "request form, refused": (None, "/requests/new/", {"locations": [evaluating.location_id]}),
        "status": (None, f"/requests/{evaluating.rfi.status_token}/", None),
        "sign in": (None, "/accounts/login/", None),
        "404": (None, "/no/such/page/", None),
        "dashboard": (owner, "/referrals/dashboard/", None),
        "inbox": (owner, "/referrals/?tab=new", None),
        "inbox, archived": (owner, "/referrals/?tab=archived", None),
        "inbox, refused filter": (owner, "/referrals/?tab=new&received_from=2026-02-31", None),
        "referral, new": (owner, f"/referrals/{new.pk}/", None),
        "referral, evaluating": (owner, f"/referrals/{evaluating.pk}/", None),
        "referral, refused accept": (owner, accept, {"expected_state": "evaluating", "deal_value": "-1"}),
        "insights": (owner, "/insights/", None),
        "business": (owner, "/account/business/", None),
        "team": (owner, "/account/team/", None),
        "api keys": (owner, "/account/api-keys/", None),
        "webhooks": (owner, "/account/webhooks/", None),
        "admin": (operator, "/admin/", None),
        "admin referrals": (operator, "/admin/referrals/referral/", None),
        "admin referral": (operator, f"/admin/referrals/referral/{evaluating.pk}/change/", None),
        "admin request": (operator, f"/admin/referrals/rfi/{evaluating.rfi_id}/change/", None),
        "referral user's inbox": (scoped, "/referrals/?tab=evaluating", None),
        "referral user's referral": (scoped, f"/referrals/{evaluating.pk}/", None),
        "view-only staff's referral": (viewer, f"/admin/referrals/referral/{evaluating.pk}/change/", None),
    }


def test_the_pages_are_valid_html(owner, operator, tmp_path, settings):
    if not VNU.exists() or not shutil.which("java"):
        pytest.fail("The Nu HTML Checker is missing: run the README's test command, which installs it.")
    from django.contrib.auth.models import Permission

    from tests.factories import StaffUserFactory

    settings.DEBUG = False
    viewer = StaffUserFactory(username="viewer", is_superuser=False)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    files = []
    for language in ("en", "ja"):
        for name, (user, path, post) in pages(owner, operator, None, viewer).items():
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            if user is not None:
                client.force_login(user)
            response = client.post(path, post) if post is not None else client.get(path)
            assert response.status_code in (200, 400, 404), (name, response.status_code)
            file = tmp_path / f"{language}-{name.replace(' ', '_').replace(',', '')}.html"
            file.write_bytes(response.content)
            files.append(file)
    checked = subprocess.run(
        ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    messages = json.loads(checked.stderr or checked.stdout or '{"messages": []}')["messages"]
    errors = [f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert not errors, "\n".join(errors)
