"""Every transition of DOMAIN.md from its state, and refused from every other."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from outbox import sending
from outbox.models import OutboundEmail
from referrals import lifecycle, sweeps, tally
from referrals.models import Referral, State
from tests.factories import make_referral

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + timedelta(days=1)


def _interested(r, user):
    return lifecycle.mark_interested(r, by=user)


def _not_interested(r, user):
    return lifecycle.mark_not_interested(r, reason="not_a_fit", by=user)


def _accept(r, user):
    return lifecycle.accept(r, by=user, deal_value=Decimal("1200000"), currency="JPY", close_date=TOMORROW)


def _decline(r, user):
    return lifecycle.decline(r, by=user, reason="no_capacity")


def _won(r, user):
    return lifecycle.mark_won(r, by=user, final_value=Decimal("1100000"))


def _lost(r, user):
    return lifecycle.mark_lost(r, by=user, reason="competitor")


# action, the one state it is allowed from, the state it leads to
PARTNER_ACTIONS = [
    (_interested, State.NEW, State.EVALUATING),
    (_not_interested, State.NEW, State.SKIPPED),
    (_accept, State.EVALUATING, State.NEGOTIATING),
    (_decline, State.EVALUATING, State.DECLINED),
    (_won, State.NEGOTIATING, State.WON),
    (_lost, State.NEGOTIATING, State.LOST),
]

# How to bring a fresh referral into each state, through the actions only.
PATHS = {
    State.NEW: [],
    State.EVALUATING: [_interested],
    State.NEGOTIATING: [_interested, _accept],
    State.WON: [_interested, _accept, _won],
    State.LOST: [_interested, _accept, _lost],
    State.SKIPPED: [_not_interested],
    State.DECLINED: [_interested, _decline],
}


def referral_in(state, partner, user, operator=None):
    referral = make_referral(partner)
    if state == State.FAILED:
        sweeps.fail_overdue(timezone.now() + timedelta(hours=73))
    elif state == State.EXPIRED:
        _interested(referral, user)
        sweeps.expire_overdue(timezone.now() + timedelta(days=8))
    elif state == State.DISCONNECTED:
        lifecycle.disconnect(referral, by=operator)
    else:
        for step in PATHS[state]:
            step(referral, user)
    referral.refresh_from_db()
    assert referral.state == state
    return referral


@pytest.mark.parametrize(("action", "source", "target"), PARTNER_ACTIONS, ids=lambda v: getattr(v, "__name__", v))
def test_partner_action_moves_from_its_state(action, source, target, partner, owner, operator):
    referral = referral_in(source, partner, owner, operator)
    result = action(referral, owner)
    assert result.state == target
    referral.refresh_from_db()
    assert referral.state == target
    last = referral.events.last()
    assert (last.from_state, last.to_state, last.actor, last.actor_kind) == (source, target, owner, "partner")


REFUSED = [(action, state) for action, source, _ in PARTNER_ACTIONS for state in State if state != source]


@pytest.mark.parametrize(("action", "state"), REFUSED, ids=lambda v: getattr(v, "__name__", v))
def test_partner_action_is_refused_from_every_other_state(action, state, partner, owner, operator):
    referral = referral_in(state, partner, owner, operator)
    events_before = referral.events.count()
    with pytest.raises(lifecycle.ReferralConflict) as refused:
        action(referral, owner)
    assert refused.value.state == state
    referral.refresh_from_db()
    assert referral.state == state
    assert referral.events.count() == events_before


@pytest.mark.parametrize("state", list(State))
def test_disconnect_only_from_active_states(state, partner, owner, operator):
    referral = referral_in(state, partner, owner, operator)
    if state in (State.NEW, State.EVALUATING, State.NEGOTIATING):
        assert lifecycle.disconnect(referral, by=operator).state == State.DISCONNECTED
    else:
        with pytest.raises(lifecycle.ReferralConflict):
            lifecycle.disconnect(referral, by=operator)


def test_state_cannot_be_assigned(partner):
    referral = make_referral(partner)
    with pytest.raises(AttributeError):
        referral.state = State.WON


def test_transition_method_refuses_wrong_source_state(partner):
    referral = make_referral(partner)
    with pytest.raises(TransitionNotAllowed):
        referral.mark_won(timezone.now())


def test_a_user_of_another_partner_may_not_act(partner, outsider):
    referral = make_referral(partner)
    with pytest.raises(PermissionDenied):
        lifecycle.mark_interested(referral, by=outsider)
    referral.refresh_from_db()
    assert referral.state == State.NEW


def test_a_partner_user_may_not_disconnect(partner, owner):
    referral = make_referral(partner)
    with pytest.raises(PermissionDenied):
        lifecycle.disconnect(referral, by=owner)


def test_operator_staff_may_act_for_the_partner(partner, operator):
    referral = make_referral(partner)
    referral = lifecycle.mark_interested(referral, by=operator)
    assert referral.state == State.EVALUATING
    assert referral.events.last().actor_kind == "operator"


def test_expected_state_from_a_stale_page_is_refused(partner, owner, teammate):
    referral = make_referral(partner)
    lifecycle.mark_interested(referral, by=teammate)
    with pytest.raises(lifecycle.ReferralConflict, match="Evaluating"):
        lifecycle.mark_not_interested(referral, reason="not_a_fit", by=owner, expected_state=State.NEW)


def test_timestamps_record_the_lifecycle(partner, owner):
    start = timezone.now() - timedelta(days=1)
    referral = make_referral(partner, now=start)
    lifecycle.mark_interested(referral, by=owner, now=start + timedelta(hours=2))
    referral = _accept(referral, owner)
    referral = _won(referral, owner)
    assert referral.received_at == start
    assert referral.first_response_at == start + timedelta(hours=2)
    assert referral.evaluating_at == start + timedelta(hours=2)
    assert referral.accepted_at is not None and referral.closed_at is not None
    assert [e.to_state for e in referral.events.all()] == ["new", "evaluating", "negotiating", "won"]


# --- Accept needs a real estimate ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"deal_value": None}, "deal_value", "Enter the amount."),
        ({"deal_value": Decimal("0")}, "deal_value", "greater than zero"),
        ({"deal_value": Decimal("-5")}, "deal_value", "greater than zero"),
        ({"currency": ""}, "currency", "Choose a currency"),
        ({"currency": "XXX"}, "currency", "Choose a currency"),
        ({"close_date": None}, "close_date", "Enter the estimated close date."),
        ({"close_date": timezone.localdate() - timedelta(days=1)}, "close_date", "cannot be in the past"),
    ],
)
def test_accept_requires_a_positive_value_currency_and_future_close_date(fields, field, message, partner, owner):
    referral = referral_in(State.EVALUATING, partner, owner)
    arguments = {"deal_value": Decimal("500"), "currency": "USD", "close_date": TOMORROW, **fields}
    with pytest.raises(ValidationError) as error:
        lifecycle.accept(referral, by=owner, **arguments)
    assert message in " ".join(error.value.message_dict[field])
    referral.refresh_from_db()
    assert referral.state == State.EVALUATING
    assert referral.deal_value is None


def test_accept_today_is_allowed(partner, owner):
    referral = referral_in(State.EVALUATING, partner, owner)
    referral = lifecycle.accept(
        referral, by=owner, deal_value=Decimal("10"), currency="EUR", close_date=timezone.localdate()
    )
    assert (referral.state, referral.deal_value, referral.currency) == (State.NEGOTIATING, Decimal("10.00"), "EUR")


def test_decline_requires_a_listed_reason(partner, owner):
    referral = referral_in(State.EVALUATING, partner, owner)
    with pytest.raises(ValidationError):
        lifecycle.decline(referral, by=owner, reason="because")
    referral.refresh_from_db()
    assert referral.state == State.EVALUATING


def test_won_requires_a_final_value(partner, owner):
    referral = referral_in(State.NEGOTIATING, partner, owner)
    with pytest.raises(ValidationError):
        lifecycle.mark_won(referral, by=owner, final_value=None)


# --- Emails are queued with the transition, or not at all ------------------------------------------


def test_a_new_referral_queues_the_location_contacts_email(partner):
    referral = make_referral(partner)
    [email] = OutboundEmail.objects.filter(template="new_referral")
    contact = referral.location.contacts.get()
    assert email.to_email == contact.email
    assert referral.rfi.customer.email not in email.body_text + email.body_html
    assert referral.rfi.customer.contact_name not in email.body_text + email.body_html


@pytest.mark.parametrize("state", [State.SKIPPED, State.FAILED, State.DECLINED, State.EXPIRED])
def test_customer_is_asked_to_choose_another_partner(state, partner, owner, operator):
    referral = referral_in(state, partner, owner, operator)
    [email] = OutboundEmail.objects.filter(template="choose_another_partner", referral=referral)
    # The sweep writes its emails unrendered (the worker renders them): check what is sent.
    assert sending.deliver(email.pk) == OutboundEmail.Status.SENT
    [sent] = mail.outbox
    assert sent.to == [referral.rfi.customer.email]
    assert "choose another partner" in sent.subject
    assert "/partners/?region=JP" in sent.body
    assert "/partners/?region=JP" in sent.alternatives[0][0]


def test_disconnect_tells_the_partner_contacts(partner, operator):
    referral = make_referral(partner)
    lifecycle.disconnect(referral, by=operator, note="Duplicate request")
    [email] = OutboundEmail.objects.filter(template="referral_disconnected")
    assert email.to_email == referral.location.contacts.get().email


def test_a_failed_transition_leaves_no_event_and_no_email(partner, owner, monkeypatch):
    """A failure inside the transaction, after the state, the tallies and the event were written
    (queuing the emails breaks): all of it is rolled back."""
    referral = referral_in(State.EVALUATING, partner, owner)
    emails_before = OutboundEmail.objects.count()
    tallies_before = tally.by_state(partner.pk)

    def broken_enqueue(messages, **kwargs):
        assert referral.events.count() == 3  # the event is written when the failure comes
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(lifecycle, "enqueue", broken_enqueue)
    with pytest.raises(RuntimeError):
        lifecycle.decline(referral, by=owner, reason="no_capacity")
    referral.refresh_from_db()
    assert referral.state == State.EVALUATING and referral.decline_reason == ""
    assert referral.events.count() == 2
    assert OutboundEmail.objects.count() == emails_before
    assert tally.by_state(partner.pk) == tallies_before


def test_emails_go_out_in_the_recipients_language(partner, owner):
    referral = make_referral(partner, customer__language="ja")
    lifecycle.mark_not_interested(referral, reason="not_a_fit", by=owner)
    email = OutboundEmail.objects.get(template="choose_another_partner")
    assert email.language == "ja"
    assert sending.deliver(email.pk) == OutboundEmail.Status.SENT
    [sent] = mail.outbox
    assert "別のパートナー" in sent.subject


def test_sweeps_archive_overdue_referrals_once(partner, owner, django_capture_on_commit_callbacks):
    start = timezone.now()
    overdue = make_referral(partner, now=start - timedelta(hours=73))
    fresh = make_referral(partner, now=start - timedelta(hours=71))
    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        assert sweeps.fail_overdue(start) == [overdue.pk]
        assert not mail.outbox  # nothing leaves before the sweep's transaction commits
    assert len(after_commit) == 1
    assert [message.to for message in mail.outbox] == [[overdue.rfi.customer.email]]
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.fail_overdue(start) == []
    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert (overdue.state, fresh.state) == (State.FAILED, State.NEW)
    assert overdue.events.last().actor_kind == "system"
    assert OutboundEmail.objects.filter(referral=overdue, template="choose_another_partner").count() == 1
    assert Referral.objects.filter(state=State.FAILED).count() == 1
    assert len(mail.outbox) == 1  # the second sweep sent nothing more
