"""The one way in for every change of a referral's state.

Views, the admin, Celery tasks, management commands and any future API call these functions
and nothing else. Each runs in one database transaction: lock the row, run the django-fsm
transition, write the timeline event, write the outbox emails. The emails leave only after
commit (``outbox.queue``), so a rolled-back action sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from common.sql import among
from outbox.queue import enqueue, queue_at_send_sql
from outbox.rendering import Message
from profiles.choices import Currency
from profiles.models import Location, User

from . import caching, emails, tally
from .models import (
    PASSED_ON_STATES,
    RFI,
    ActorKind,
    Customer,
    DeclineReason,
    LostReason,
    Referral,
    ReferralEvent,
    State,
    bulk_transition,
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
    return []


def _actor_kind(user: User | None) -> ActorKind:
    if user is None:
        return ActorKind.SYSTEM
    return ActorKind.PARTNER if user.partner_id else ActorKind.OPERATOR


def _transition(
    referral: Referral,
    name: str,
    *,
    by: User | None,
    now: datetime | None,
    expected_state: str | None = None,
    actor_kind: ActorKind | None = None,
    note: str = "",
    prepare: Callable[[Referral], None] | None = None,
) -> Referral:
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the row: a partner's click, a teammate's click and the sweep queue up here,
        # and whoever comes second sees the state the first one left.
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
        from_state, before = locked.state, tally.Marks.of(locked)
        method(now)
        locked.save()
        tally.move(locked, from_state=from_state, before=before)
        caching.changed([locked.partner_id])
        ReferralEvent.objects.create(
            referral=locked,
            action=name,
            from_state=from_state,
            to_state=locked.state,
            actor=by,
            actor_kind=actor_kind or _actor_kind(by),
            note=note,
            created_at=now,
        )
        enqueue(_emails_after(locked), now=now)
    return locked


# --- Partner actions ----------------------------------------------------------------------------


def mark_interested(
    referral: Referral, *, by: User, now: datetime | None = None, expected_state: str | None = None
) -> Referral:
    return _transition(referral, "mark_interested", by=by, now=now, expected_state=expected_state)


def mark_not_interested(
    referral: Referral, *, by: User, now: datetime | None = None, expected_state: str | None = None, note: str = ""
) -> Referral:
    return _transition(referral, "mark_not_interested", by=by, now=now, expected_state=expected_state, note=note)


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


def clean_reason(value: str, choices: type[DeclineReason] | type[LostReason]) -> str:
    if value not in choices.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    return value


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

    return _transition(referral, "accept", by=by, now=now, expected_state=expected_state, prepare=prepare)


def decline(
    referral: Referral,
    *,
    by: User,
    reason: str,
    note: str = "",
    now: datetime | None = None,
    expected_state: str | None = None,
) -> Referral:
    reason = clean_reason(reason, DeclineReason)

    def prepare(locked: Referral) -> None:
        locked.decline_reason, locked.outcome_note = reason, note

    return _transition(referral, "decline", by=by, now=now, expected_state=expected_state, note=note, prepare=prepare)


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
    amount = clean_amount(final_value, "final_value")
    currency = clean_currency(currency) if currency else ""

    def prepare(locked: Referral) -> None:
        locked.final_value = amount
        if currency:
            locked.currency = currency
        locked.outcome_note = note

    return _transition(referral, "mark_won", by=by, now=now, expected_state=expected_state, note=note, prepare=prepare)


def mark_lost(
    referral: Referral,
    *,
    by: User,
    reason: str,
    note: str = "",
    now: datetime | None = None,
    expected_state: str | None = None,
) -> Referral:
    reason = clean_reason(reason, LostReason)

    def prepare(locked: Referral) -> None:
        locked.lost_reason, locked.outcome_note = reason, note

    return _transition(referral, "mark_lost", by=by, now=now, expected_state=expected_state, note=note, prepare=prepare)


# --- Operator and customer --------------------------------------------------------------------


def disconnect(referral: Referral, *, by: User, note: str = "", now: datetime | None = None) -> Referral:
    """The operator ends an active referral (for example a duplicate or an abusive request)."""
    return _transition(referral, "disconnect", by=by, now=now, note=note, actor_kind=ActorKind.OPERATOR)


def withdraw_rfi(rfi: RFI, *, now: datetime | None = None) -> list[Referral]:
    """The customer withdraws: every referral of the RFI still active becomes disconnected.
    Archived ones keep their outcome. All or nothing."""
    now = now or timezone.now()
    changed = []
    with transaction.atomic():
        for referral in rfi.referrals.active().order_by("pk"):
            try:
                changed.append(_transition(referral, "disconnect", by=None, now=now, actor_kind=ActorKind.CUSTOMER))
            except ReferralConflict:
                continue  # archived meanwhile (a sweep, a partner): its outcome stands
    return changed


# --- Creating referrals -------------------------------------------------------------------------


@dataclass
class CustomerDetails:
    contact_name: str
    company_name: str
    email: str
    phone: str
    language: str

    @classmethod
    def from_form(cls, data: dict, *, language: str) -> CustomerDetails:
        """From a form's cleaned data (the customer's own form, or the operator's in admin)."""
        return cls(
            contact_name=data["contact_name"],
            company_name=data["company_name"],
            email=data["email"],
            phone=data.get("phone", ""),
            language=language,
        )


def check_locations(locations: Sequence[Location]) -> None:
    if not locations:
        raise ValidationError(_("Choose at least one partner."))
    if len(locations) > settings.RFI_MAX_PARTNERS:
        raise ValidationError(
            _("Choose at most %(count)d partners for one request.") % {"count": settings.RFI_MAX_PARTNERS}
        )
    partners = [location.profile.partner_id for location in locations]
    if len(set(partners)) != len(partners):
        raise ValidationError(_("Choose one location for each partner."))
    reachable = set(Location.objects.reachable().filter(pk__in=[location.pk for location in locations]))
    for location in locations:
        if location not in reachable:
            raise ValidationError(
                _("%(partner)s no longer takes requests at %(location)s. Choose another location or partner.")
                % {"partner": location.profile.partner.name, "location": location.name}
            )


def refer(
    rfi: RFI, locations: Sequence[Location], *, by: User | None = None, now: datetime | None = None
) -> list[Referral]:
    """Send ``rfi`` to each of ``locations``: one referral per location, its contacts emailed.
    A partner never learns who else received the same RFI."""
    now = now or timezone.now()
    locations = list(locations)
    check_locations(locations)
    with transaction.atomic():
        referrals = [
            Referral(rfi=rfi, partner=location.profile.partner, location=location, source=rfi.source, received_at=now)
            for location in locations
        ]
        for referral in referrals:
            referral.save()
        tally.add(referrals)
        caching.changed(referral.partner_id for referral in referrals)
        ReferralEvent.objects.bulk_create(
            ReferralEvent(
                referral=referral,
                action="received",
                from_state="",
                to_state=State.NEW,
                actor=by,
                actor_kind=ActorKind.OPERATOR if by is not None else ActorKind.CUSTOMER,
                created_at=now,
            )
            for referral in referrals
        )
        messages: list[Message] = []
        for referral in referrals:
            messages += emails.new_referral(referral)
        enqueue(messages, now=now)
    return referrals


def submit_rfi(
    customer: CustomerDetails,
    locations: Iterable[Location],
    *,
    now: datetime | None = None,
    by: User | None = None,
    **rfi_fields,
) -> RFI:
    """A customer's RFI to one or several partner locations (source ``search`` unless the
    operator enters it for marketing or sales), with the confirmation email and status link."""
    now = now or timezone.now()
    locations = list(locations)
    check_locations(locations)
    with transaction.atomic():
        # The form's address is whatever the sender typed: a few confirmations a day reach it,
        # however many requests name it (the requests themselves still go through).
        confirmed_lately = RFI.objects.filter(
            customer__email__iexact=customer.email, created_at__gt=now - timedelta(days=1)
        ).count()
        person = Customer.objects.create(**customer.__dict__)
        rfi = RFI(customer=person, created_at=now, created_by=by, **rfi_fields)
        rfi.full_clean()
        rfi.save()
        refer(rfi, locations, by=by, now=now)
        if confirmed_lately < settings.RFI_CONFIRMATIONS_PER_ADDRESS:
            enqueue(emails.rfi_received(rfi), now=now)
    return rfi


# --- The system: timeouts -------------------------------------------------------------------------


def _in_batches(
    due: QuerySet[Referral],
    handle: Callable[[list[int]], None],
    *,
    batch_size: int,
    dry_run: bool,
    order_by: str = "received_at",
) -> list[int]:
    """Run ``handle`` over every referral ``due`` selects, in bounded batches, each in its own
    transaction. ``skip_locked`` lets two beat instances (or a partner's click holding a row)
    share the work without waiting on each other or doing it twice; ``handle`` must take the
    rows out of ``due`` (a new state, a timestamp), so the next batch moves on."""
    # Ordered by the deadline column, which each job's partial index covers: ordering by id
    # instead made PostgreSQL walk the primary key past every older referral.
    due = due.order_by(order_by, "pk")
    if dry_run:
        return list(due.values_list("pk", flat=True))
    done: list[int] = []
    while True:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch_size])
            if not ids:
                return done
            handle(ids)
            done += ids
        if len(ids) < batch_size:
            return done


def _queue_emails_for(ids: list[int], emails_for: Callable[[Referral], list[Message]], now: datetime) -> None:
    messages: list[Message] = []
    for referral in Referral.objects.filter(pk__in=ids).select_related("rfi__customer", "partner", "location"):
        messages += emails_for(referral)
    enqueue(messages, now=now)


def _sweep(due: QuerySet[Referral], *, transition: str, note: str, now: datetime, **batching) -> list[int]:
    """Archive every overdue referral, set-based: per batch one UPDATE, one INSERT of events
    and one of emails. The UPDATE writes what ``Referral.<transition>`` writes
    (``models.bulk_transition``), read off the transition itself."""
    change = bulk_transition(transition, now)
    assert change.target in PASSED_ON_STATES

    def archive(ids: list[int]) -> None:
        # The one sanctioned bulk change of state: the rows are locked and still in the
        # source state, and their tallies, events and emails are written in this transaction,
        # each with one statement (no Python object per row). Table and column names come
        # from the models and every value is a parameter.
        referral, event = Referral._meta.db_table, ReferralEvent._meta.db_table
        rfi, customer = RFI._meta.db_table, Customer._meta.db_table
        written = {"state": change.target, **change.fields, "updated_at": now}
        assignments = ", ".join(f"{Referral._meta.get_field(name).column} = %s" for name in written)
        chosen, parameters = among("id", ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {referral} SET {assignments} WHERE {chosen} AND state = %s",  # noqa: S608
                [*written.values(), *parameters, change.source],
            )
        caching.changed(tally.move_many(ids, from_state=change.source, to_state=change.target))
        columns = "referral_id, action, from_state, to_state, actor_id, actor_kind, note, created_at"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {event} ({columns}) "  # noqa: S608
                f"SELECT id, %s, %s, %s, NULL, %s, %s, %s FROM {referral} WHERE {chosen}",
                [transition, change.source, change.target, ActorKind.SYSTEM, note, now, *parameters],
            )
        # The customer's "choose another partner" email, built by the worker when it is sent
        # (it carries the customer's private link), so nothing is rendered here per row.
        chosen, parameters = among("r.id", ids)
        queue_at_send_sql(
            template="choose_another_partner",
            key=emails.choose_another_partner_key(change.target),
            about=Referral,
            recipients=(
                "SELECT r.id AS id, c.email AS email, c.language AS language "  # noqa: S608
                f"FROM {referral} r JOIN {rfi} f ON f.id = r.rfi_id JOIN {customer} c ON c.id = f.customer_id "
                f"WHERE {chosen}"
            ),
            parameters=parameters,
            now=now,
        )

    return _in_batches(due, archive, **batching)


def fail_overdue(now: datetime, *, batch_size: int | None = None, dry_run: bool = False) -> list[int]:
    """New referrals unanswered for 72 hours → failed; the customer is asked to choose again."""
    return _sweep(
        Referral.objects.overdue_new(now),
        transition="fail",
        note="No response within 72 hours.",
        now=now,
        batch_size=batch_size or settings.REFERRAL_SWEEP_BATCH_SIZE,
        dry_run=dry_run,
    )


def expire_overdue(now: datetime, *, batch_size: int | None = None, dry_run: bool = False) -> list[int]:
    """Evaluating referrals without accept or decline for 7 days → expired."""
    return _sweep(
        Referral.objects.overdue_evaluating(now),
        order_by="evaluating_at",
        transition="expire",
        note="No response within 7 days of evaluating.",
        now=now,
        batch_size=batch_size or settings.REFERRAL_SWEEP_BATCH_SIZE,
        dry_run=dry_run,
    )


# --- The system: reminders --------------------------------------------------------------------------


def _remind(
    due: QuerySet[Referral], *, mark: str, emails_for: Callable[[Referral], list[Message]], now: datetime, **batching
) -> list[int]:
    """Send one kind of reminder to every referral ``due`` selects, once: the referral's own
    timestamp (``mark``) takes it out of the selection in the transaction that queues the
    emails, and the emails' reason keys are unique besides."""

    def remind(ids: list[int]) -> None:
        Referral.objects.filter(pk__in=ids).update(**{mark: now})
        caching.changed(Referral.objects.filter(pk__in=ids).values_list("partner_id", flat=True).distinct())
        _queue_emails_for(ids, emails_for, now)

    return _in_batches(due, remind, **batching)


def remind_unanswered(now: datetime, *, batch_size: int | None = None, dry_run: bool = False) -> list[int]:
    """New referrals that waited the recommended 24 hours: remind the location's contacts."""
    return _remind(
        Referral.objects.due_reminder(now),
        mark="reminded_at",
        emails_for=emails.reminder,
        now=now,
        batch_size=batch_size or settings.REFERRAL_SWEEP_BATCH_SIZE,
        dry_run=dry_run,
    )


def send_last_calls(now: datetime, *, batch_size: int | None = None, dry_run: bool = False) -> list[int]:
    """Referrals a few hours from failing or expiring: a last call to the location's contacts."""
    return _remind(
        Referral.objects.due_last_call(now),
        order_by="pk",
        mark="last_call_at",
        emails_for=emails.last_call,
        now=now,
        batch_size=batch_size or settings.REFERRAL_SWEEP_BATCH_SIZE,
        dry_run=dry_run,
    )
