"""A customer's personal data on request: export it, or erase it while the referrals (and so
the partners' statistics) stay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outbox.models import OutboundEmail

from .models import Customer

ERASED = "[erased]"


def _emails_of(customer: Customer):
    rfi_ids = list(customer.rfis.values_list("pk", flat=True))
    keys = Q()
    for rfi_id in rfi_ids:
        keys |= Q(dedupe_key__startswith=f"rfi:{rfi_id}:")
    return OutboundEmail.objects.filter(Q(to_email=customer.email) | Q(referral__rfi__in=rfi_ids) | keys)


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
            for email in _emails_of(customer).filter(to_email=customer.email).order_by("pk")
        ],
    }


def erase_customer(customer: Customer, *, now: datetime | None = None) -> Customer:
    """Replace the customer's personal data, and the free text of their requests and emails,
    in one transaction. Referrals, their states, dates and deal figures stay for the partners'
    statistics; the status link stops working."""
    now = now or timezone.now()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.erased_at:
            return customer
        _emails_of(customer).update(
            to_email=f"erased-{customer.pk}@erased.invalid",
            subject=ERASED,
            body_text=ERASED,
            body_html=ERASED,
            rendered=True,
        )
        for rfi in customer.rfis.all():
            rfi.need = ERASED
            rfi.status_token = f"erased-{rfi.pk}-{now.timestamp():.0f}"
            rfi.save(update_fields=["need", "status_token"])
        customer.contact_name = customer.company_name = ERASED
        customer.email = f"erased-{customer.pk}@erased.invalid"
        customer.phone = ""
        customer.erased_at = now
        customer.save(update_fields=["contact_name", "company_name", "email", "phone", "erased_at"])
    return customer
