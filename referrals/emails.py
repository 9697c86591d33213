"""Who hears of what (DOMAIN.md, Notifications): one function per email, each returning the
messages to write to the outbox. Emails go out in the recipient's language."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from outbox.models import OutboundEmail
from outbox.queue import Message, register_deferred

from .models import RFI, Referral


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def partner_search_url(rfi: RFI) -> str:
    """Partner search pre-filled with the customer's needs, to choose another partner."""
    query = urlencode(
        {
            "region": rfi.region,
            "solution_area": rfi.solution_area,
            "industry": rfi.industry,
            "company_size": rfi.company_size,
        }
    )
    return absolute(f"{reverse('partners:search')}?{query}")


def status_url(rfi: RFI) -> str:
    return absolute(reverse("rfi_status", args=[rfi.status_token]))


def _to_location_contacts(referral: Referral, template: str, reason: str) -> list[Message]:
    context = {
        "referral": referral,
        "rfi": referral.rfi,
        "partner": referral.partner,
        "location": referral.location,
        "referral_url": absolute(reverse("referrals:detail", args=[referral.pk])),
    }
    return [
        Message(
            dedupe_key=f"referral:{referral.pk}:{reason}:contact:{contact.pk}",
            template=template,
            to_email=contact.email,
            language=contact.language,
            context={**context, "contact": contact},
            referral_id=referral.pk,
        )
        for contact in referral.location.contacts.all()
    ]


def new_referral(referral: Referral) -> list[Message]:
    """To the contacts of the location the customer chose: the RFI summary, no contact details."""
    return _to_location_contacts(referral, "new_referral", "new")


def reminder(referral: Referral) -> list[Message]:
    """To the location's contacts: a new referral has waited the recommended 24 hours."""
    return _to_location_contacts(referral, "referral_reminder", "reminder")


def last_call(referral: Referral) -> list[Message]:
    """To the location's contacts: hours left before the referral fails or expires."""
    return _to_location_contacts(referral, "referral_last_call", f"last_call_{referral.state}")


def disconnected(referral: Referral) -> list[Message]:
    """To the partner's contacts: the customer withdrew, or the operator disconnected it."""
    return _to_location_contacts(referral, "referral_disconnected", "disconnected")


def choose_another_partner(referral: Referral) -> list[Message]:
    """To the customer, when a partner skipped, declined, failed or let the referral expire."""
    customer = referral.rfi.customer
    return [
        Message(
            dedupe_key=f"referral:{referral.pk}:{referral.state}:customer",
            template="choose_another_partner",
            to_email=customer.email,
            language=customer.language,
            context={
                "referral": referral,
                "rfi": referral.rfi,
                "customer": customer,
                "partner": referral.partner,
                "search_url": partner_search_url(referral.rfi),
                "status_url": status_url(referral.rfi),
            },
            referral_id=referral.pk,
        )
    ]


@register_deferred("choose_another_partner")
def rebuild_choose_another_partner(email: OutboundEmail) -> Message | None:
    """The timeout sweep writes this email unrendered; the worker rebuilds it here."""
    referral = (
        Referral.objects.select_related("rfi__customer", "partner", "location").filter(pk=email.referral_id).first()
    )
    if referral is None:
        return None
    return next((m for m in choose_another_partner(referral) if m.dedupe_key == email.dedupe_key), None)


def rfi_received(rfi: RFI, referrals: list[Referral]) -> list[Message]:
    """To the customer: we have your request, and here is your private status link."""
    customer = rfi.customer
    return [
        Message(
            dedupe_key=f"rfi:{rfi.pk}:received:customer",
            template="rfi_received",
            to_email=customer.email,
            language=customer.language,
            context={"rfi": rfi, "customer": customer, "referrals": referrals, "status_url": status_url(rfi)},
        )
    ]
