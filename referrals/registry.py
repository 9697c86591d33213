"""The partner actions, in one place: what each is called, what it asks for, what it runs and
what it says when done. The partner's referral page, the operator's admin and the API read
this registry; who may run an action now is the transition's own business (its ``source`` and
``permission=`` on ``Referral``, asked through ``Referral.actions_for``).

Adding an action is one entry here, its transition on ``Referral`` (with a value in
``EventAction``) and its function in ``lifecycle``; a form in ``forms`` if it asks for more than
a click.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from profiles.models import User

from . import lifecycle
from .forms import (
    AcceptForm,
    ActionForm,
    AssignForm,
    DeclineForm,
    EstimateForm,
    LostForm,
    NoteForm,
    NoteOnlyForm,
    NotInterestedForm,
    WonForm,
)
from .models import Referral, State, may_work_on


@dataclass(frozen=True)
class PartnerAction:
    name: str  # the transition's name, and the URL's
    label: Promise  # the button
    title: Promise  # the heading over a form that asks for details
    form: type[ActionForm]
    run: Callable[..., Referral]  # the lifecycle function; the form's fields are its arguments
    done: Promise  # the message once it is done
    style: str = "primary"
    # A transition's who and when are its own (``source``, ``permission=``); a step that moves
    # no state says who may take it.
    allowed_for: Callable[[Referral, User], bool] | None = None
    # Asked before an action that cannot be undone runs from the page (the API's call is its own
    # confirmation).
    confirm: Promise | None = None

    @property
    def asks_for_details(self) -> bool:
        return self.form.asks_for_details()

    def perform(self, form: ActionForm, user: User) -> Referral:
        """Run the action with what ``form`` (valid) holds, as ``user``."""
        if self.allowed_for is not None:  # a step on the referral as it is, whatever its state
            return self.run(form.referral, by=user, **form.arguments())
        return self.run(form.referral, by=user, expected_state=form.cleaned_data["expected_state"], **form.arguments())


ACTIONS: dict[str, PartnerAction] = {
    action.name: action
    for action in (
        PartnerAction(
            "mark_interested", _("Interested"), _("Interested"), ActionForm, lifecycle.mark_interested,
            _("Marked as Interested: the customer's contact details are now shown."),
        ),
        PartnerAction(
            "mark_not_interested", _("Not interested"), _("Not interested"), NotInterestedForm,
            lifecycle.mark_not_interested, _("Marked as Not interested: the referral is archived as Skipped."),
            style="secondary",
            confirm=_("The referral is archived as Skipped for good, and the customer is asked to choose another "
                      "partner (not for spam or a duplicate)."),
        ),
        PartnerAction(
            "accept", _("Accept"), _("Accept"), AcceptForm, lifecycle.accept,
            _("Accepted: the referral is now in Negotiating."),
        ),
        PartnerAction(
            "decline", _("Decline"), _("Decline"), DeclineForm, lifecycle.decline,
            _("Declined: the referral is archived, and the customer is asked to choose another partner."),
            style="secondary",
        ),
        PartnerAction(
            "mark_won", _("Report as won"), _("Won"), WonForm, lifecycle.mark_won,
            _("Reported as Won. Congratulations!"),
        ),
        PartnerAction(
            "mark_lost", _("Report as lost"), _("Lost"), LostForm, lifecycle.mark_lost,
            _("Reported as Lost: the referral is archived."), style="secondary",
        ),
        # Operator staff only (the transition's permission): the partner's contacts are told.
        PartnerAction(
            "disconnect", _("Disconnect"), _("Disconnect"), NoteForm, lifecycle.disconnect,
            _("Disconnected: the partner's contacts are told."), style="secondary",
        ),
        # Steps that do not move the state.
        PartnerAction(
            "update_estimate", _("Update the estimate"), _("The estimate"), EstimateForm, lifecycle.update_estimate,
            _("The estimate is updated."), style="secondary",
            allowed_for=lambda referral, user: referral.state == State.NEGOTIATING and may_work_on(referral, user),
        ),
        PartnerAction(
            "assign", _("Assign"), _("Owner"), AssignForm, lifecycle.assign, _("The owner is set."),
            style="secondary", allowed_for=lambda referral, user: referral.is_active and may_work_on(referral, user),
        ),
        PartnerAction(
            "add_note", _("Add the note"), _("Internal note"), NoteOnlyForm, lifecycle.add_note,
            _("The note is on the timeline."), style="secondary", allowed_for=may_work_on,
        ),
    )
}  # fmt: skip


def allowed(referral: Referral, user: User) -> list[PartnerAction]:
    """The actions ``user`` may run on ``referral`` now, in the registry's order."""
    transitions = set(referral.actions_for(user))
    return [
        action
        for name, action in ACTIONS.items()
        if (action.allowed_for(referral, user) if action.allowed_for else name in transitions)
    ]
