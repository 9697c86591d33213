"""Who hears of what (DOMAIN.md, Notifications): one function per email, each returning the
messages to write to the outbox. Emails go out in the recipient's language.

The customer's emails carry their private status link, a secret: they are built when they are
sent (``outbox.queue.at_send_time``), and the outbox keeps a copy without the link. They say
nothing the sender typed (the request's own words, the name given): anyone can type anyone's
address into the request form, so what reaches that address is our summary, not their text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboundEmail
from outbox.rendering import Message, Secret, at_send_time
from profiles.models import User

from .models import RFI, Referral

# The secret links' stand-in in the copy the outbox keeps.
NOT_KEPT = "[private link: sent to the customer, not kept]"


def choose_another_partner_key(state: str) -> str:
    """The reason key, with ``{id}`` for the referral: the sweep writes the same keys in SQL."""
    return "referral:{id}:" + state + ":customer"


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


def another_partner_url(rfi: RFI, location_id: int) -> str:
    """The page that sends the same request to one more partner with one click."""
    return absolute(reverse("rfi_another", args=[rfi.status_token, location_id]))


# The partners proposed to a customer whose partner passed the request on: set by the
# customers app, which owns partner search (this app sits below it and cannot import it).
_suggest: Callable[[RFI], list[Any]] = lambda rfi: []  # noqa: E731


def suggest_partners_with(suggest: Callable[[RFI], list[Any]]) -> None:
    """``suggest(rfi)``: the best-matching partners that do not have the request yet, each with
    ``.partner``, ``.location`` and ``.reasons``."""
    global _suggest
    _suggest = suggest


def suggestions(rfi: RFI) -> list[Any]:
    return _suggest(rfi)


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
            about=referral,
        )
        for contact in referral.location.receiving_contacts
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


def assigned(referral: Referral, owner: User, *, by: User, note: str) -> list[Message]:
    """To the partner's colleague who now owns the referral, in their language."""
    return [
        Message(
            dedupe_key=f"referral:{referral.pk}:assigned:{owner.pk}:{timezone.now().timestamp()}",
            template="referral_assigned",
            to_email=owner.email,
            language=owner.language,
            context={
                "referral": referral,
                "owner": owner,
                "by": by.get_full_name() or by.get_username(),
                "note": note,
                "referral_url": absolute(reverse("referrals:detail", args=[referral.pk])),
            },
            about=referral,
        )
    ]


def disconnected(referral: Referral) -> list[Message]:
    """To the partner's contacts: the customer withdrew, or the operator disconnected it."""
    return _to_location_contacts(referral, "referral_disconnected", "disconnected")


def _to_customer(rfi: RFI, *, dedupe_key: str, template: str, about: Referral | RFI) -> list[Message]:
    """An email to the request's customer, in their language, built when it is sent."""
    customer = rfi.customer
    return [
        Message(
            dedupe_key=dedupe_key, template=template, to_email=customer.email, language=customer.language, about=about
        )
    ]


def _customer_referral(email: OutboundEmail) -> Referral | None:
    """The referral a customer's email is about, unless the customer's data was erased meanwhile."""
    if email.about_id is None:
        return None
    return (
        Referral.objects.select_related("rfi__customer", "partner", "location")
        .filter(pk=email.about_id, rfi__customer__erased_at__isnull=True)
        .first()
    )


def _built(email: OutboundEmail, context: dict) -> Message:
    return Message(
        dedupe_key=email.dedupe_key,
        template=email.template,
        to_email=email.to_email,
        language=email.language,
        context=context,
    )


def choose_another_partner(referral: Referral) -> list[Message]:
    """To the customer, when a partner skipped, declined, failed or let the referral expire."""
    return _to_customer(
        referral.rfi,
        dedupe_key=choose_another_partner_key(referral.state).format(id=referral.pk),
        template="choose_another_partner",
        about=referral,
    )


@at_send_time("choose_another_partner")
def build_choose_another_partner(email: OutboundEmail) -> Message | None:
    referral = _customer_referral(email)
    if referral is None:
        return None
    rfi = referral.rfi
    return _built(
        email,
        {
            "referral": referral,
            "rfi": rfi,
            "partner": referral.partner,
            "search_url": partner_search_url(rfi),
            "status_url": Secret(status_url(rfi), NOT_KEPT),
            # Each with its one-click link, a secret like the status link.
            "suggestions": [
                (suggestion, Secret(another_partner_url(rfi, suggestion.location.pk), NOT_KEPT))
                for suggestion in suggestions(rfi)
            ],
        },
    )


def partner_reviewing(referral: Referral) -> list[Message]:
    """To the customer, when a partner says Interested: they will be in touch."""
    return _to_customer(
        referral.rfi,
        dedupe_key=f"referral:{referral.pk}:evaluating:customer",
        template="partner_reviewing",
        about=referral,
    )


@at_send_time("partner_reviewing")
def build_partner_reviewing(email: OutboundEmail) -> Message | None:
    referral = _customer_referral(email)
    if referral is None:
        return None
    return _built(
        email,
        {
            "referral": referral,
            "rfi": referral.rfi,
            "partner": referral.partner,
            "status_url": Secret(status_url(referral.rfi), NOT_KEPT),
        },
    )


def withdrawn(rfi: RFI) -> list[Message]:
    """To the customer: the withdrawal went through, and which partners were told."""
    return _to_customer(rfi, dedupe_key=f"rfi:{rfi.pk}:withdrawn:customer", template="rfi_withdrawn", about=rfi)


@at_send_time("rfi_withdrawn")
def build_rfi_withdrawn(email: OutboundEmail) -> Message | None:
    rfi = _customer_rfi(email)
    if rfi is None:
        return None
    told = rfi.referrals.filter(state="disconnected").select_related("partner").order_by("partner__name")
    return _built(email, {"rfi": rfi, "referrals": list(told)})


def rfi_received(rfi: RFI) -> list[Message]:
    """To the customer: we have your request, and here is your private status link."""
    return _to_customer(rfi, dedupe_key=f"rfi:{rfi.pk}:received:customer", template="rfi_received", about=rfi)


def _customer_rfi(email: OutboundEmail) -> RFI | None:
    """The request a customer's email is about, unless the customer's data was erased meanwhile."""
    if email.about_id is None:
        return None
    return RFI.objects.filter(pk=email.about_id, customer__erased_at__isnull=True).first()


@at_send_time("rfi_received")
def build_rfi_received(email: OutboundEmail) -> Message | None:
    rfi = _customer_rfi(email)
    if rfi is None:
        return None
    referrals = list(rfi.referrals.select_related("partner", "location").order_by("partner__name"))
    return _built(email, {"rfi": rfi, "referrals": referrals, "status_url": Secret(status_url(rfi), NOT_KEPT)})
