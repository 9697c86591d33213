"""Every email, in both parts and both languages, as its recipient reads it: what the mail server
received, not what the outbox keeps."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pytest
from django.core import mail

from outbox import sending
from outbox.models import OutboundEmail
from referrals import lifecycle, rfis
from tests.factories import RFIFactory, location_with_contact

pytestmark = pytest.mark.django_db

NEED = "Move <b>3 factories</b> & our ERP to the cloud"

# template → {language: (words in the subject, words in both bodies)}
EXPECTED = {
    "new_referral": {
        "en": ("New referral", "Say Interested to see the customer's contact details"),
        "ja": ("新しい紹介案件", "[興味あり]を選ぶと、お客様の連絡先が表示されます"),
    },
    "rfi_received": {
        "en": ("We received your request", "Follow your request, or withdraw it"),
        "ja": ("情報請求（RFI）を受け付けました", "ご依頼の状況の確認や取り下げができます"),
    },
    "choose_another_partner": {
        "en": ("please choose another partner", "will not take your request"),
        "ja": ("別のパートナーをお選びください", "対応を終了しました"),
    },
    "referral_disconnected": {
        "en": ("was disconnected", "No further action is needed"),
        "ja": ("切断されました", "これ以上の対応は不要です"),
    },
}


@dataclass
class Received:
    row: OutboundEmail
    subject: str
    text: str
    html: str


@pytest.fixture
def emails_in(partner, owner, operator):
    """Every kind of email a referral's life sends, as the mail server received them."""

    def make(language: str) -> dict[str, Received]:
        OutboundEmail.objects.all().delete()
        mail.outbox.clear()
        location = location_with_contact(partner, language=language)
        rfi = rfis.submit_rfi(
            rfis.CustomerDetails("Hanako Yamada", "Yamada Seisakusho", f"{language}@customer.example", "", language),
            [location],
            need=NEED,
            solution_area="cloud_infrastructure",
            company_size="medium",
            industry="manufacturing",
            region="JP",
        )
        lifecycle.mark_not_interested(rfi.referrals.get(), reason="not_a_fit", by=owner)
        [disconnected] = rfis.refer(RFIFactory(need=NEED), [location_with_contact(partner, language=language)])
        lifecycle.disconnect(disconnected, by=operator)
        sending.drain()
        rows = {email.message_id: email for email in OutboundEmail.objects.all()}
        received = {}
        for message in mail.outbox:
            row = rows[message.extra_headers["Message-ID"]]
            received[row.template] = Received(row, message.subject, message.body, message.alternatives[0][0])
        return received

    return make


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("template", list(EXPECTED))
def test_each_email_in_both_parts_and_languages(emails_in, template, language):
    email = emails_in(language)[template]
    subject_words, body_words = EXPECTED[template][language]
    assert email.row.language == language
    assert subject_words in email.subject
    assert body_words in email.text
    assert body_words in html.unescape(email.html)
    assert "<html" in email.html and "<html" not in email.text


def test_text_parts_read_as_typed_and_html_parts_escape_it(emails_in):
    email = emails_in("en")["new_referral"]
    assert NEED in email.text
    assert "Move &lt;b&gt;3 factories&lt;/b&gt; &amp; our ERP" in email.html
    assert "<b>3 factories</b>" not in email.html


def test_partner_emails_never_carry_the_customers_contact_details(emails_in):
    sent = emails_in("en")
    for template in ("new_referral", "referral_disconnected"):
        body = sent[template].subject + sent[template].text + sent[template].html
        assert "@customer.example" not in body and "Hanako" not in body and "Yamada" not in body


def test_customer_emails_say_nothing_the_sender_typed(emails_in):
    """Anyone can type anyone's address into the request form: what reaches it is our summary."""
    sent = emails_in("en")
    for template in ("rfi_received", "choose_another_partner"):
        body = sent[template].subject + sent[template].text + sent[template].html
        assert "factories" not in body and "Hanako" not in body and "Yamada" not in body, template
        assert "Cloud infrastructure" in body  # the summary from the form's lists


def test_the_private_link_reaches_the_customer_and_no_row_keeps_it(emails_in):
    sent = emails_in("en")
    rfi = sent["rfi_received"].row.about
    for template in ("rfi_received", "choose_another_partner"):
        email = sent[template]
        assert rfi.status_token in email.text and rfi.status_token in email.html, template
        email.row.refresh_from_db()
        kept = email.row.subject + email.row.body_text + email.row.body_html + email.row.dedupe_key
        assert rfi.status_token not in kept, template
        assert "[private link: sent to the customer, not kept]" in email.row.body_text
