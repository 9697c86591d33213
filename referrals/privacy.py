"""A customer's personal data on request: export it, or erase it while the referrals (and so
the partners' statistics) stay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from outbox.models import OutboundEmail

from . import caching
from .models import RFI, Customer, Referral

ERASED = "[erased]"
# The emails the customer receives (emails.py); the partners' emails are theirs and stay.
CUSTOMER_TEMPLATES = ("rfi_received", "choose_another_partner", "partner_reviewing", "rfi_withdrawn")


def _emails_to(customer: Customer) -> QuerySet[OutboundEmail]:
    """The emails written to the customer, about their requests or their requests' referrals."""
    rfi_ids = list(customer.rfis.values_list("pk", flat=True))
    referral_ids = list(Referral.objects.filter(rfi__in=rfi_ids).values_list("pk", flat=True))
    about = Q(about_type=ContentType.objects.get_for_model(RFI), about_id__in=rfi_ids) | Q(
        about_type=ContentType.objects.get_for_model(Referral), about_id__in=referral_ids
    )
    return OutboundEmail.objects.filter(about, template__in=CUSTOMER_TEMPLATES)


def export_customer_data(customer: Customer) -> dict[str, Any]:
    """Everything the portal holds about the customer, as plain JSON-ready data."""
    rfis = customer.rfis.prefetch_related("referrals__partner").order_by("pk")
    return {
        "customer": {
            "contact_name": customer.contact_name,
            "company_name": customer.company_name,
            "email": customer.email,
            "phone": customer.phone,
            "language": customer.language,
            "created_at": customer.created_at.isoformat(),
            "erased_at": customer.erased_at.isoformat() if customer.erased_at else None,
        },
        "requests": [
            {
                "id": rfi.pk,
                "created_at": rfi.created_at.isoformat(),
                "source": rfi.source,
                "need": rfi.need,
                "solution_area": rfi.solution_area,
                "company_size": rfi.company_size,
                "industry": rfi.industry,
                "region": rfi.region,
                "budget_range": rfi.budget_range,
                "budget_currency": rfi.budget_currency,
                "timeline": rfi.timeline,
                "consent_to_share": rfi.consent_to_share,
                "sent_to": [
                    {
                        "partner": referral.partner.name,
                        "state": referral.state,
                        "received_at": referral.received_at.isoformat(),
                    }
                    for referral in rfi.referrals.all()
                ],
            }
            for rfi in rfis
        ],
        "emails_to_customer": [
            {"subject": email.subject, "status": email.status, "created_at": email.created_at.isoformat()}
            for email in _emails_to(customer).order_by("pk")
        ],
    }


def erase_customer(customer: Customer, *, now: datetime | None = None) -> Customer:
    """Replace the customer's personal data and the free text of their requests, in one
    transaction. The customer's own emails lose their address and text, and those not sent
    yet are cancelled; the partners' emails are theirs and go out as they would. Referrals,
    their states, dates and deal figures stay for the partners' statistics; the status link is
    revoked, so no customer page opens any more."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.erased_at:
            return customer
        erased_address = f"erased-{customer.pk}@erased.invalid"
        emails = _emails_to(customer)
        emails.filter(status=OutboundEmail.Status.PENDING).update(
            status=OutboundEmail.Status.CANCELLED, last_error="Cancelled: the customer's personal data was erased."
        )
        emails.update(to_email=erased_address, subject=ERASED, body_text=ERASED, body_html=ERASED)
        for rfi in customer.rfis.all():
            rfi.need = ERASED
            rfi.revoke_status_link()
            rfi.save(update_fields=["need", "status_salt", "status_digest"])
        customer.contact_name = customer.company_name = ERASED
        customer.email = erased_address
        customer.phone = ""
        customer.erased_at = now
        customer.save(update_fields=["contact_name", "company_name", "email", "phone", "erased_at"])
        caching.changed(Referral.objects.filter(rfi__customer=customer).values_list("partner_id", flat=True))
    return customer
