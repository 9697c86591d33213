"""Schemathesis, as an outside client, against the portal's live schema with a valid key: every
operation, positive and negative data, and the stateful links the schema declares; no server
error, no answer that breaks the schema (``schemathesis.toml`` says what each check expects)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from referrals import lifecycle
from tests.factories import ContactFactory, LocationFactory, UserFactory, api_key, make_referral

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = [pytest.mark.django_db(transaction=True)]


def test_schemathesis_finds_no_server_error_and_no_answer_off_the_schema(live_server, partner, settings, tmp_path):
    settings.API_RATE_LIMIT = "100000/min"
    admin = UserFactory(partner=partner, role="admin")
    location = LocationFactory(profile__partner=partner)
    ContactFactory(location=location)
    # Referrals in the states the actions start from: new, evaluating, negotiating; and archived.
    referrals = [make_referral(location=location) for _ in range(8)]
    for referral in referrals[2:7]:
        lifecycle.mark_interested(referral, by=admin)
    for referral in referrals[4:7]:
        lifecycle.accept(referral, by=admin, deal_value=Decimal("1200000"), currency="JPY",
                         close_date=date.today() + timedelta(days=90))  # fmt: skip
    lifecycle.mark_not_interested(referrals[7], reason="not_a_fit", by=admin)
    key = api_key(admin)
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{live_server.url}/api/v1/schema/",
        "--url", live_server.url,
        "--header", f"Authorization: Bearer {key}",
        "--checks", "all",
        "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"),
        "--workers", "1",
        "--seed", "2026",
        "--generation-database", "none",
        "--no-color",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    report = run.stdout[-8000:] + run.stderr[-2000:] + f"\n(whole output: {tmp_path / 'schemathesis.txt'})"
    assert run.returncode == 0, report
    assert "✅ Stateful" in run.stdout and "✅ Coverage" in run.stdout and "✅ Fuzzing" in run.stdout, report
    assert "server error" not in report.lower()
