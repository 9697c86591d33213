"""A referral's lifecycle, one referral at a time: the partner's actions (Interested, Not
interested, Accept, Decline, Won, Lost) and the operator's disconnection.

The rule this room keeps: every change of one referral's state goes through ``apply``, which
locks the row, runs the django-fsm transition (``Referral.<name>``, the one definition of what
the step writes), moves the partner's tallies, marks the partner's pages changed, writes the
timeline event and writes the emails to the outbox, all in one transaction. The emails leave
only after commit, so a rolled-back action sends nothing. Each public function is an entry
point with a durable transaction of its own: nothing nests one action inside another by
accident (``rfis.withdraw_rfi``, which changes several referrals at once, calls ``apply``).

Views, the admin, Celery tasks, commands and the API call these, through the registry of
partner actions (``registry``) where a person chooses the action.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from outbox.queue import enqueue
from outbox.rendering import Message
from profiles.choices import Currency
from profiles.models import User

from . import caching, emails, signals, tally
from .models import (
    PASSED_ON_STATES,
    RFI,
    ActorKind,
    DeclineReason,
    EventAction,
    LostReason,
    NotInterestedReason,
    Referral,
    ReferralEvent,
    State,
    may_work_on,
)


class ReferralConflict(Exception):
    """The referral is no longer where the caller thought (a second click, a stale page, the
    sweep got there first). Carries the state it is in now, for a clear message."""

    def __init__(self, referral: Referral) -> None:
        self.referral = referral
        self.state = State(referral.state)
        super().__init__(
            _("This referral changed meanwhile: it is now %(state)s. Nothing was changed.")
            % {"state": self.state.label}
        )


def _emails_after(referral: Referral) -> list[Message]:
    """DOMAIN.md, Notifications: who hears of the state the referral just entered."""
    if referral.state in PASSED_ON_STATES:
        return emails.choose_another_partner(referral)
    if referral.state == State.DISCONNECTED:
        return emails.disconnected(referral)
    if referral.state == State.EVALUATING:  # Interested: the customer hears who will be in touch
        return emails.partner_reviewing(referral)
    return []


def _actor_kind(user: User | None) -> ActorKind:
    if user is None:
        return ActorKind.SYSTEM
    return ActorKind.PARTNER if user.partner_id else ActorKind.OPERATOR


def apply(
    referral: Referral,
    name: str,
    *,
    by: User | None,
    now: datetime | None,
    expected_state: str | None = None,
    actor_kind: ActorKind | None = None,
    note: str = "",
    prepare: Callable[[Referral], None] | None = None,
    details: dict[str, Any] | None = None,
    emails: bool = True,
) -> Referral:
    """Run the transition ``name`` on ``referral`` inside the caller's transaction; ``prepare``
    sets the values it needs on the locked row first (in memory only); ``details`` are the
    values the timeline shows for the step."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the row: a partner's click, a teammate's click and the sweep queue up here,
        # and whoever comes second sees the state the first one left. (The one mechanism
        # against lost updates: django-fsm's ConcurrentTransitionMixin would check the same.)
        locked = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("rfi__customer", "partner", "location")
            .get(pk=referral.pk)
        )
        method = getattr(locked, name)
        if (expected_state and locked.state != expected_state) or not can_proceed(method, check_conditions=False):
            raise ReferralConflict(locked)
        if prepare:
            prepare(locked)  # in memory only; the permission check below also reads conditions
        if by is not None and not has_transition_perm(method, by):
            raise PermissionDenied
        if not can_proceed(method):
            raise ValidationError(_("The details this step needs are missing."))
        from_state, before = locked.state, tally.Flags.of(locked)
        method(now)
        locked.save()
        tally.move(locked, from_state=from_state, before=before)
        caching.changed([locked.partner_id])
        ReferralEvent.objects.create(
            referral=locked,
            action=EventAction(name),
            from_state=from_state,
            to_state=locked.state,
            actor=by,
            actor_kind=actor_kind or _actor_kind(by),
            note=note,
            details=details or {},
            created_at=now,
        )
        if emails:
            enqueue(_emails_after(locked), now=now)
        signals.recorded.send(Referral, referral_ids=[locked.pk], created=False)
    return locked


def _entry_point(name: str, referral: Referral, **kwargs) -> Referral:
    with transaction.atomic(durable=True):
        return apply(referral, name, **kwargs)


# --- What a partner types, checked here so that every caller says the same ---------------------


def clean_amount(value: Decimal | None, field: str) -> Decimal:
    """A deal value a person can mean: present, positive, below a trillion, in cents."""
    if value is None:
        raise ValidationError({field: _("Enter the amount.")})
    value = Decimal(value)
    if value <= 0:
        raise ValidationError({field: _("Enter an amount greater than zero.")})
    if value >= Decimal("1e12"):
        raise ValidationError({field: _("Enter an amount below one trillion.")})
    return value.quantize(Decimal("0.01"))


def clean_currency(value: str) -> str:
    if value not in Currency.values:
        raise ValidationError({"currency": _("Choose a currency from the list.")})
    return value


def clean_close_date(value: date | None, now: datetime) -> date:
    if value is None:
        raise ValidationError({"close_date": _("Enter the estimated close date.")})
    # "Today" is the user's day (the active time zone), not UTC's.
    if value < timezone.localdate(now):
        raise ValidationError({"close_date": _("The estimated close date cannot be in the past.")})
    return value


def clean_reason(value: str, choices: type[DeclineReason] | type[LostReason] | type[NotInterestedReason]) -> str:
    if value not in choices.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    return value


# --- The partner's actions ------------------------------------------------------------------------


def mark_interested(
    referral: Referral, *, by: User, now: datetime | None = None, expected_state: str | None = None
) -> Referral:
    """New → evaluating: the customer's contact details are shown from now on."""
    return _entry_point("mark_interested", referral, by=by, now=now, expected_state=expected_state)


def mark_not_interested(
    referral: Referral,
    *,
    by: User,
    reason: str,
    note: str = "",
    duplicate_of: int | None = None,
    now: datetime | None = None,
    expected_state: str | None = None,
) -> Referral:
    """New → skipped, with a reason: the customer is asked to choose another partner. "Spam or
    abuse" flags the request for the operators, and "duplicate" links it to the same customer's
    earlier request (``duplicate_of``: the number of the partner's referral of it); neither
    sends the sender anything."""
    now = now or timezone.now()
    reason = clean_reason(reason, NotInterestedReason)
    earlier = _duplicated(referral, by, duplicate_of) if reason == NotInterestedReason.DUPLICATE else None

    def prepare(locked: Referral) -> None:
        locked.skip_reason, locked.outcome_note = reason, note

    details = {"reason": reason}
    if earlier is not None:
        details["duplicate_of"] = f"#{earlier.pk}"
    quiet = reason in (NotInterestedReason.SPAM, NotInterestedReason.DUPLICATE)
    with transaction.atomic(durable=True):
        locked = apply(referral, "mark_not_interested", by=by, now=now, expected_state=expected_state, note=note,
                       prepare=prepare, details=details, emails=not quiet)  # fmt: skip
        if reason == NotInterestedReason.SPAM:
            RFI.objects.filter(pk=locked.rfi_id, flagged_at__isnull=True).update(
                flagged_at=now, flagged_by=locked.partner_id
            )
        if earlier is not None:
            # Linked to the first request of the chain, as requests are when they arrive.
            first = earlier.rfi.duplicate_of_id or earlier.rfi_id
            if first != locked.rfi_id:
                RFI.objects.filter(pk=locked.rfi_id, duplicate_of__isnull=True).update(duplicate_of=first)
    return locked


def _duplicated(referral: Referral, by: User, number: int | None) -> Referral:
    """The partner's earlier referral that ``referral`` duplicates: the one numbered ``number``,
    or, without a number, the partner's referral of the request already linked as the earlier one."""
    own = Referral.objects.for_user(by).exclude(rfi_id=referral.rfi_id).filter(received_at__lt=referral.received_at)
    if number is not None:
        earlier = own.select_related("rfi").filter(pk=number).first()
    else:
        linked = RFI.objects.filter(pk=referral.rfi_id).values_list("duplicate_of", flat=True).first()
        earlier = own.select_related("rfi").filter(rfi_id=linked).first() if linked else None
    if earlier is None:
        raise ValidationError(
            {"duplicate_of": _("Give the number of your referral of the same customer's earlier request.")}
        )
    return earlier


def accept(
    referral: Referral,
    *,
    by: User,
    deal_value: Decimal | None,
    currency: str,
    close_date: date | None,
    now: datetime | None = None,
    expected_state: str | None = None,
) -> Referral:
    """Evaluating → negotiating, with the estimate the operator uses to refer similar deals."""
    now = now or timezone.now()
    amount = clean_amount(deal_value, "deal_value")
    currency = clean_currency(currency)
    close_date = clean_close_date(close_date, now)

    def prepare(locked: Referral) -> None:
        locked.deal_value, locked.currency, locked.close_date = amount, currency, close_date

    details = {"deal_value": str(amount), "currency": currency, "close_date": close_date.isoformat()}
    return _entry_point(
        "accept", referral, by=by, now=now, expected_state=expected_state, prepare=prepare, details=details
    )


def _close_with_reason(
    name: str,
    reasons: type[DeclineReason] | type[LostReason],
    field: str,
    referral: Referral,
    *,
    by: User,
    reason: str,
    note: str,
    now: datetime | None,
    expected_state: str | None,
) -> Referral:
    reason = clean_reason(reason, reasons)

    def prepare(locked: Referral) -> None:
        setattr(locked, field, reason)
        locked.outcome_note = note

    return _entry_point(
        name, referral, by=by, now=now, expected_state=expected_state, note=note, prepare=prepare,
        details={"reason": reason},
    )  # fmt: skip


def decline(
    referral: Referral,
    *,
    by: User,
    reason: str,
    note: str = "",
    now: datetime | None = None,
    expected_state: str | None = None,
) -> Referral:
    """Evaluating → declined, with a reason: the customer is asked to choose another partner."""
    return _close_with_reason(
        "decline", DeclineReason, "decline_reason", referral, by=by, reason=reason, note=note, now=now,
        expected_state=expected_state,
    )  # fmt: skip


def mark_won(
    referral: Referral,
    *,
    by: User,
    final_value: Decimal | None,
    currency: str = "",
    note: str = "",
    now: datetime | None = None,
    expected_state: str | None = None,
) -> Referral:
    """Negotiating → won, with the final value (in the estimate's currency unless given)."""
    amount = clean_amount(final_value, "final_value")
    currency = clean_currency(currency) if currency else ""

    def prepare(locked: Referral) -> None:
        locked.final_value = amount
        if currency:
            locked.currency = currency
        locked.outcome_note = note

    details = {"final_value": str(amount), "currency": currency or referral.currency}
    return _entry_point(
        "mark_won", referral, by=by, now=now, expected_state=expected_state, note=note, prepare=prepare, details=details
    )


def mark_lost(
    referral: Referral,
    *,
    by: User,
    reason: str,
    note: str = "",
    now: datetime | None = None,
    expected_state: str | None = None,
) -> Referral:
    """Negotiating → lost, with a reason."""
    return _close_with_reason(
        "mark_lost", LostReason, "lost_reason", referral, by=by, reason=reason, note=note, now=now,
        expected_state=expected_state,
    )  # fmt: skip


# --- The operator ----------------------------------------------------------------------------------


def disconnect(
    referral: Referral, *, by: User, note: str = "", now: datetime | None = None, expected_state: str | None = None
) -> Referral:
    """The operator ends an active referral (for example a duplicate or an abusive request)."""
    return _entry_point(
        "disconnect", referral, by=by, now=now, note=note, expected_state=expected_state, actor_kind=ActorKind.OPERATOR
    )


# --- Steps that do not move the state ----------------------------------------------------------


def _note_text(note: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise ValidationError({"note": _("Write the note.")})
    if len(note) > 2000:
        raise ValidationError({"note": _("Keep the note to 2,000 characters.")})
    return note


def _lock_to_work_on(referral: Referral, by: User) -> Referral:
    locked = Referral.objects.select_for_update(of=("self",)).select_related("partner", "location").get(pk=referral.pk)
    if not may_work_on(locked, by):
        raise PermissionDenied
    return locked


def _step(referral: Referral, action: EventAction, *, by: User, now: datetime, note: str, details: dict) -> Referral:
    """Lock the referral, let ``by`` work on it, write the timeline entry (the state stays)."""
    return _record_step(_lock_to_work_on(referral, by), action, by=by, now=now, note=note, details=details)


def _record_step(
    locked: Referral, action: EventAction, *, by: User, now: datetime, note: str, details: dict
) -> Referral:
    caching.changed([locked.partner_id])
    ReferralEvent.objects.create(
        referral=locked,
        action=action,
        from_state=locked.state,
        to_state=locked.state,
        actor=by,
        actor_kind=_actor_kind(by),
        note=note,
        details=details,
        created_at=now,
    )
    return locked


def assign(
    referral: Referral, *, by: User, owner: User | None, note: str = "", now: datetime | None = None
) -> Referral:
    """Give the referral an owner among the partner's users who see it (or none), with an
    optional note; the new owner is emailed in their language."""
    now = now or timezone.now()
    note = _note_text(note, required=False)
    with transaction.atomic(durable=True):
        if owner is not None and (
            owner.is_api_client or not (owner.partner_id == referral.partner_id and may_work_on(referral, owner))
        ):
            raise ValidationError({"owner": _("Choose a colleague who sees this referral.")})
        details = {"owner": owner.get_username() if owner else ""}
        locked = _step(referral, EventAction.ASSIGN, by=by, now=now, note=note, details=details)
        locked.owner = owner
        locked.save(update_fields=["owner", "updated_at"])
        if owner is not None and owner != by:
            enqueue(emails.assigned(locked, owner, by=by, note=note), now=now)
        signals.recorded.send(Referral, referral_ids=[locked.pk], created=False)
    return locked


def update_estimate(
    referral: Referral,
    *,
    by: User,
    deal_value: Decimal | None,
    currency: str,
    close_date: date | None,
    now: datetime | None = None,
) -> Referral:
    """A negotiating deal's new estimate (value, currency, close date), on the timeline with the
    one it replaces."""
    now = now or timezone.now()
    amount = clean_amount(deal_value, "deal_value")
    currency = clean_currency(currency)
    close_date = clean_close_date(close_date, now)
    with transaction.atomic(durable=True):
        locked = _lock_to_work_on(referral, by)
        if locked.state != State.NEGOTIATING:
            raise ReferralConflict(locked)
        previous = {
            "deal_value": str(locked.deal_value) if locked.deal_value is not None else "",
            "currency": locked.currency,
            "close_date": locked.close_date.isoformat() if locked.close_date else "",
        }
        details = {"deal_value": str(amount), "currency": currency, "close_date": close_date.isoformat(),
                   "previous": previous}  # fmt: skip
        _record_step(locked, EventAction.UPDATE_ESTIMATE, by=by, now=now, note="", details=details)
        locked.deal_value, locked.currency, locked.close_date = amount, currency, close_date
        locked.save(update_fields=["deal_value", "currency", "close_date", "updated_at"])
        signals.recorded.send(Referral, referral_ids=[locked.pk], created=False)
    return locked


def add_note(referral: Referral, *, by: User, note: str, now: datetime | None = None) -> Referral:
    """An internal note on the timeline: the partner's own and the operator's, never the
    customer's or another partner's."""
    now = now or timezone.now()
    note = _note_text(note, required=True)
    with transaction.atomic(durable=True):
        locked = _step(referral, EventAction.ADD_NOTE, by=by, now=now, note=note, details={})
        signals.recorded.send(Referral, referral_ids=[locked.pk], created=False)
    return locked


def set_crm_reference(
    referral: Referral, *, by: User, value: str, expected_updated_at: datetime | None = None
) -> Referral:
    """The partner's own id for the referral in its CRM (unique among the partner's referrals).
    ``expected_updated_at``: the referral as the caller read it; if it changed since, the
    change is refused (``ReferralConflict``). The partner's own bookkeeping: no timeline entry."""
    value = value.strip()
    with transaction.atomic(durable=True):
        locked = Referral.objects.select_for_update(of=("self",)).select_related("partner").get(pk=referral.pk)
        if not may_work_on(locked, by):
            raise PermissionDenied
        if expected_updated_at is not None and locked.updated_at != expected_updated_at:
            raise ReferralConflict(locked)
        taken = (
            Referral.objects.filter(partner_id=locked.partner_id, external_reference_id=value)
            .exclude(pk=locked.pk)
            .values_list("pk", flat=True)
            .first()
        )
        if value and taken:
            raise ValidationError(
                {"external_reference_id": _("Referral #%(id)s already has this CRM reference.") % {"id": taken}}
            )
        locked.external_reference_id = value
        try:
            with transaction.atomic():
                locked.save(update_fields=["external_reference_id", "updated_at"])
        except IntegrityError as error:  # the same value set at the same moment on another referral
            raise ValidationError(
                {"external_reference_id": _("Another of your referrals already has this CRM reference.")}
            ) from error
        caching.changed([locked.partner_id])
    return locked
