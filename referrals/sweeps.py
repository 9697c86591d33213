"""The system's set-based jobs, what beat runs every minute: archive the referrals past their
72-hour or 7-day deadline (failed, expired), and remind the partners of those coming due.

The rules this room keeps: it works in bounded batches, each its own durable transaction, so a
partner's click on one of the rows waits a fraction of a second at most; rows another sweep or
a click holds are skipped, not waited for, so two sweeps share the work; a batch writes its
state, events, tallies and emails together, with one statement per table (no Python object
per row), and the state it writes is read off the transition itself
(``models.bulk_transition``). ``run`` is the one entry point for beat's task and
``manage.py sweep_referrals``, so an operator at the command line does exactly what beat does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import QuerySet

from common.sql import is_one_of
from outbox.queue import enqueue, queue_at_send_sql
from outbox.rendering import Message

from . import caching, emails, signals, tally
from .models import PASSED_ON_STATES, RFI, ActorKind, Customer, Referral, ReferralEvent, bulk_transition


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
        with transaction.atomic(durable=True):
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


def _column(name: str) -> str:
    field = Referral._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.column)


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
        assignments = ", ".join(f"{_column(name)} = %s" for name in written)
        in_batch, parameters = is_one_of("id", ids)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {referral} SET {assignments} WHERE {in_batch} AND state = %s",  # noqa: S608
                [*written.values(), *parameters, change.source],
            )
        caching.changed(tally.move_many(ids, from_state=change.source, to_state=change.target))
        columns = "referral_id, action, from_state, to_state, actor_id, actor_kind, note, details, created_at"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {event} ({columns}) "  # noqa: S608
                f"SELECT id, %s, %s, %s, NULL, %s, %s, %s, %s FROM {referral} WHERE {in_batch}",
                [transition, change.source, change.target, ActorKind.SYSTEM, note, "{}", now, *parameters],
            )
        signals.recorded.send(Referral, referral_ids=ids, created=False)
        # The customer's "choose another partner" email, built by the worker when it is sent
        # (it carries the customer's private link), so nothing is rendered here per row.
        in_batch, parameters = is_one_of("r.id", ids)
        queue_at_send_sql(
            template="choose_another_partner",
            key=emails.choose_another_partner_key(change.target),
            about=Referral,
            recipients=(
                "SELECT r.id AS id, c.email AS email, c.language AS language "  # noqa: S608
                f"FROM {referral} r JOIN {rfi} f ON f.id = r.rfi_id JOIN {customer} c ON c.id = f.customer_id "
                f"WHERE {in_batch}"
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


# --- What beat runs ----------------------------------------------------------------------------


@dataclass
class SweepResult:
    failed: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    last_call: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {"failed": self.failed, "expired": self.expired, "reminded": self.reminded, "last_call": self.last_call}


def run(now: datetime, *, dry_run: bool = False) -> SweepResult:
    # Archive first: a referral past its deadline gets the customer's email, not a reminder.
    failed = fail_overdue(now, dry_run=dry_run)
    expired = expire_overdue(now, dry_run=dry_run)
    return SweepResult(
        failed=failed,
        expired=expired,
        reminded=remind_unanswered(now, dry_run=dry_run),
        last_call=send_last_calls(now, dry_run=dry_run),
    )
