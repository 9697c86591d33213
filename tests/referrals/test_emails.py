"""Every email, in both parts and both languages, as its recipient reads it."""

from __future__ import annotations

import html

import pytest

from outbox.models import OutboundEmail
from referrals import actions
from tests.factories import RFIFactory, location_with_contact

pytestmark = pytest.mark.django_db

NEED = "Move <b>3 factories</b> & our ERP to the cloud"

# template → {language: (words in the subject, words in both bodies)}
EXPECTED = {
    "new_referral": {
        "en": ("New referral", "Say Interested to see the customer's contact details"),
        "ja": ("新しい紹介案件", "[興味あり] を選ぶと、お客様の連絡先が表示されます"),
    },
    "rfi_received": {
        "en": ("We received your request", "Follow your request, or withdraw it"),
        "ja": ("情報請求 (RFI) を受け付けました", "ご依頼の状況の確認や取り下げができます"),
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


@pytest.fixture
def emails_in(partner, owner, operator):
    def make(language: str) -> dict[str, OutboundEmail]:
        OutboundEmail.objects.all().delete()
        location = location_with_contact(partner, language=language)
        rfi = RFIFactory(need=NEED, customer__language=language, customer__email=f"{language}@customer.example")
        [skipped] = actions.refer(rfi, [location])
        actions.mark_not_interested(skipped, by=owner)
        [disconnected] = actions.refer(RFIFactory(need=NEED), [location_with_contact(partner, language=language)])
        actions.disconnect(disconnected, by=operator)
        from outbox.queue import enqueue
        from referrals import emails

        enqueue(emails.rfi_received(rfi, [skipped]))
        return {email.template: email for email in OutboundEmail.objects.order_by("pk")}

    return make


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("template", list(EXPECTED))
def test_each_email_in_both_parts_and_languages(emails_in, template, language):
    email = emails_in(language)[template]
    subject_words, body_words = EXPECTED[template][language]
    assert email.language == language
    assert subject_words in email.subject
    assert body_words in email.body_text
    assert body_words in html.unescape(email.body_html)
    assert "<html" in email.body_html and "<html" not in email.body_text


def test_text_parts_read_as_typed_and_html_parts_escape_it(emails_in):
    email = emails_in("en")["new_referral"]
    assert NEED in email.body_text
    assert "Move &lt;b&gt;3 factories&lt;/b&gt; &amp; our ERP" in email.body_html
    assert "<b>3 factories</b>" not in email.body_html


def test_partner_emails_never_carry_the_customers_contact_details(emails_in):
    sent = emails_in("en")
    for template in ("new_referral", "referral_disconnected"):
        body = sent[template].subject + sent[template].body_text + sent[template].body_html
        assert "@customer.example" not in body and "Hanako" not in body and "Yamada" not in body
