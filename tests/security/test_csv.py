"""Every CSV the portal writes opens in a spreadsheet as text: what a customer (or anyone) typed
never becomes a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from referrals import lifecycle
from tests.factories import PartnerCompanyFactory, make_referral

pytestmark = pytest.mark.django_db

FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(1,1)", "\t=1+1"]


def rows_of(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))


def no_cell_is_a_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize("formula", FORMULAS)
def test_the_partners_export_neutralises_what_customers_typed(client, partner, owner, formula):
    referral = make_referral(
        partner,
        need=formula,
        customer__company_name=formula,
        customer__contact_name=formula,
        customer__phone=formula[:30],
    )
    lifecycle.mark_interested(referral, by=owner)  # contact details are in the export from now on
    client.force_login(owner)
    header, row = rows_of(client.get(reverse("referrals:export"), {"tab": "evaluating"}))
    cells = dict(zip(header, row, strict=True))
    for column in ("Need", "Customer name", "Customer company"):
        assert cells[column] == "'" + formula, column
    assert cells["Customer phone"] == "'" + formula[:30]
    no_cell_is_a_formula([header, row])


def test_the_operators_report_neutralises_partner_names(client, operator):
    make_referral(PartnerCompanyFactory(name='=HYPERLINK("http://evil.example")'))
    client.force_login(operator)
    response = client.get(reverse("admin:referrals_referral_report"), {"format": "csv"})
    rows = rows_of(response)
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'
    no_cell_is_a_formula(rows)


def test_the_csv_starts_with_a_byte_order_mark_for_excel_and_speaks_the_readers_language(client, owner, partner):
    referral = make_referral(partner)
    client.force_login(owner)
    body = b"".join(client.get(reverse("referrals:export")).streaming_content)
    assert body.startswith("\ufeff".encode()) and body[3:].startswith(b"Referral number,State,")
    body = b"".join(client.get(reverse("referrals:export"), HTTP_ACCEPT_LANGUAGE="ja").streaming_content)
    body = body.decode("utf-8-sig")
    header, row = body.splitlines()[:2]
    assert header.startswith("紹介案件番号,状態,") and ",受信日時," in header  # "Received", a date here
    assert row.startswith(f"{referral.pk},new,")  # values keep their codes
