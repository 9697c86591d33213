"""The customer's second chance (partners proposed when one passes the request on, sent with one
click), what the customer hears, duplicates linked, and blocked senders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundEmail
from referrals import lifecycle, rfis
from referrals.models import RFI, BlockedSender, Referral
from tests.factories import (
    BusinessProfileFactory,
    PartnerCompanyFactory,
    UserFactory,
    location_with_contact,
    make_referral,
    rfi_form_data,
)

pytestmark = pytest.mark.django_db


def partner_for(area: str, name: str):
    """An active partner whose profile lists ``area``, with one office that takes referrals."""
    partner = PartnerCompanyFactory(name=name)
    BusinessProfileFactory(partner=partner, region="JP", solution_areas=[area], is_active=True)
    return partner, location_with_contact(partner)  # at that profile (one per partner and region)


@pytest.fixture
def passed_on(django_capture_on_commit_callbacks):
    """A request to Sakura, which says Not interested; Fuji and Kaede also do cloud work."""
    sakura, sakura_office = partner_for("cloud_infrastructure", "Sakura Cloud")
    _fuji, fuji_office = partner_for("cloud_infrastructure", "Fuji Systems")
    _kaede, kaede_office = partner_for("cloud_infrastructure", "Kaede Data")
    referral = make_referral(sakura, location=sakura_office, solution_area="cloud_infrastructure", region="JP")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_not_interested(referral, reason="no_capacity", by=UserFactory(partner=sakura))
    return {"referral": referral, "rfi": referral.rfi, "fuji": fuji_office, "kaede": kaede_office}


def test_the_email_proposes_partners_that_do_not_have_it_with_one_click_links(passed_on):
    [email] = [m for m in mail.outbox if "choose another partner" in m.subject]
    rfi = passed_on["rfi"]
    for office in (passed_on["fuji"], passed_on["kaede"]):
        assert reverse("rfi_another", args=[rfi.status_token, office.pk]) in email.body
    assert "Sakura Cloud (" not in email.body.split("one click")[1].split("Partners who match")[0]
    # The outbox's copy keeps no working link.
    kept = OutboundEmail.objects.get(template="choose_another_partner")
    assert rfi.status_token not in kept.body_text


def test_one_click_sends_the_same_request_to_a_new_partner(client, passed_on):
    rfi, fuji = passed_on["rfi"], passed_on["fuji"]
    url = reverse("rfi_another", args=[rfi.status_token, fuji.pk])
    page = client.get(url).content.decode()
    assert "Send to Fuji Systems" in page and not Referral.objects.filter(location=fuji).exists()  # a GET sends nothing
    response = client.post(url)
    assert response.status_code == 302
    referral = Referral.objects.get(location=fuji)
    assert referral.rfi_id == rfi.pk and referral.state == "new"
    assert referral.rfi.consent_to_share and referral.rfi.need == rfi.need  # the same request, nothing retyped
    assert OutboundEmail.objects.filter(template="new_referral", referral=referral).exists()
    # Sent again (a double click): refused, not a second referral.
    again = client.post(url)
    assert again.status_code == 400 and "already has this request" in again.content.decode()
    assert Referral.objects.filter(location=fuji).count() == 1


def test_the_status_page_proposes_the_same_partners_and_sends_with_one_button(client, passed_on):
    rfi = passed_on["rfi"]
    page = client.get(reverse("rfi_status", args=[rfi.status_token])).content.decode()
    suggestions = page.split('id="suggestions"')[1]
    assert "Fuji Systems" in suggestions and "Kaede Data" in suggestions and "Sakura Cloud" not in suggestions
    assert f'action="{reverse("rfi_another", args=[rfi.status_token, passed_on["kaede"].pk])}"' in suggestions
    assert "(Asia/Tokyo)" in page  # every time with its zone


def test_no_more_than_the_limit_of_partners_at_once(client, passed_on, settings):
    settings.RFI_MAX_PARTNERS = 1
    rfi = passed_on["rfi"]
    client.post(reverse("rfi_another", args=[rfi.status_token, passed_on["fuji"].pk]))
    response = client.post(reverse("rfi_another", args=[rfi.status_token, passed_on["kaede"].pk]))
    assert response.status_code == 400 and "1 partners are working on this request already" in response.content.decode()
    assert not Referral.objects.filter(location=passed_on["kaede"]).exists()


def test_a_withdrawn_request_is_not_sent_again(client, passed_on):
    rfi = passed_on["rfi"]
    rfis.withdraw_rfi(rfi)  # nothing active: Sakura's is archived already
    client.post(reverse("rfi_another", args=[rfi.status_token, passed_on["fuji"].pk]))
    rfis.withdraw_rfi(rfi)
    response = client.post(reverse("rfi_another", args=[rfi.status_token, passed_on["kaede"].pk]))
    assert response.status_code == 400 and not Referral.objects.filter(location=passed_on["kaede"]).exists()


def test_the_customer_hears_when_a_partner_starts_and_when_the_withdrawal_is_done(
    partner, owner, django_capture_on_commit_callbacks
):
    referral = make_referral(partner, customer__email="hanako@yamada.example")
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.mark_interested(referral, by=owner)
    [reviewing] = [m for m in mail.outbox if m.to == ["hanako@yamada.example"]]
    assert f"{partner.name} is reviewing your request" in reviewing.subject
    assert "will contact you" in reviewing.body
    with django_capture_on_commit_callbacks(execute=True):
        rfis.withdraw_rfi(referral.rfi)
    [withdrawn] = [m for m in mail.outbox if m.to == ["hanako@yamada.example"] and "withdrawn" in m.subject]
    assert partner.name in withdrawn.body


def test_a_second_request_from_the_same_address_or_company_is_linked():
    _partner, office = partner_for("security", "Sakura Cloud")
    now = timezone.now()

    def send(email: str, area: str, days_later: int = 0) -> RFI:
        customer = rfis.CustomerDetails("Taro", "Yamada", email, "", "ja")
        fields = {"need": "A review", "industry": "retail", "company_size": "medium", "region": "JP"}
        fields |= {"budget_range": "medium", "timeline": "quarter", "consent_to_share": True}
        return rfis.submit_rfi(customer, [office], now=now + timedelta(days=days_later), solution_area=area, **fields)

    first = send("taro@yamada.example", "security")
    assert send("TARO@yamada.example", "data_ai").duplicate_of == first  # the same address, any need
    assert send("jiro@yamada.example", "security").duplicate_of == first  # the same company, the same need
    assert send("saburo@yamada.example", "modern_work").duplicate_of is None  # the same company, another need
    assert send("jiro@yamada.example", "security", days_later=31).duplicate_of is None  # a month later: new
    free = send("taro@gmail.com", "security")
    assert free.duplicate_of is None and send("hanako@gmail.com", "security").duplicate_of is None
    assert send("taro@gmail.com", "security").duplicate_of == free


def test_only_the_partner_that_had_the_first_request_hears_of_it(client, django_capture_on_commit_callbacks):
    sakura, sakura_office = partner_for("security", "Sakura Cloud")
    fuji, fuji_office = partner_for("security", "Fuji Systems")
    form = {"solution_area": "security", "email": "taro@yamada.example"}
    client.post(reverse("rfi_new"), rfi_form_data([sakura_office], **form))
    client.post(reverse("rfi_new"), rfi_form_data([sakura_office, fuji_office], **form))
    first, second = RFI.objects.order_by("pk")
    assert second.duplicate_of == first
    earlier = Referral.objects.get(rfi=first)
    for partner, office, told in ((sakura, sakura_office, True), (fuji, fuji_office, False)):
        client.force_login(UserFactory(partner=partner))
        page = client.get(reverse("referrals:detail", args=[Referral.objects.get(rfi=second, location=office).pk]))
        text = page.content.decode()
        assert ("The same customer asked you on" in text) is told
        assert (f"#{earlier.pk}</a>" in text) is told


def test_a_blocked_sender_sees_the_thank_you_page_and_nothing_is_stored_or_sent(client):
    _partner, office = partner_for("security", "Sakura Cloud")
    BlockedSender.objects.create(address="spam.example")
    BlockedSender.objects.create(address="one@bad.example")
    for email in ("someone@SPAM.example", "one@bad.example"):
        response = client.post(reverse("rfi_new"), rfi_form_data([office], email=email), follow=True)
        assert response.status_code == 200 and "We received your request." in response.content.decode()
        assert f"({office.name})" in response.content.decode()  # what a real sender sees too
    assert not RFI.objects.exists() and not OutboundEmail.objects.exists() and not mail.outbox
    client.post(reverse("rfi_new"), rfi_form_data([office], email="two@bad.example"))
    assert RFI.objects.count() == 1  # only that one address of the domain was blocked


def test_spam_flags_the_request_for_operators(client, operator, partner, owner):
    referral = make_referral(partner)
    lifecycle.mark_not_interested(referral, reason="spam", by=owner)
    rfi = RFI.objects.get(pk=referral.rfi_id)
    assert rfi.flagged_at is not None and rfi.flagged_by == partner
    assert not OutboundEmail.objects.filter(template="choose_another_partner").exists()  # the sender hears nothing
    client.force_login(operator)
    listed = client.get(reverse("admin:referrals_rfi_changelist"), {"flagged": "yes"}).content.decode()
    assert f"/admin/referrals/rfi/{rfi.pk}/change/" in listed
    assert client.get(reverse("admin:referrals_blockedsender_add")).status_code == 200


def test_a_request_flagged_as_spam_or_from_a_blocked_sender_goes_nowhere_else(client, passed_on):
    rfi, fuji = passed_on["rfi"], passed_on["fuji"]
    RFI.objects.filter(pk=rfi.pk).update(flagged_at=timezone.now())
    assert "suggestions" not in client.get(reverse("rfi_status", args=[rfi.status_token])).content.decode()
    response = client.post(reverse("rfi_another", args=[rfi.status_token, fuji.pk]))
    assert response.status_code == 400 and not Referral.objects.filter(location=fuji).exists()
    RFI.objects.filter(pk=rfi.pk).update(flagged_at=None)
    BlockedSender.objects.create(address=rfi.customer.email.rpartition("@")[2])
    assert client.post(reverse("rfi_another", args=[rfi.status_token, fuji.pk])).status_code == 400
    assert not Referral.objects.filter(location=fuji).exists()
