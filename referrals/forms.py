"""The forms of the partner actions (``registry``). Each carries the state the page showed
(``expected_state``), so an action on a stale page is refused with a message instead of doing
something unexpected; its fields are the keyword arguments of its ``lifecycle`` function, and
it checks them with the lifecycle's own checks, so a form says exactly what the action would."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import money
from common.forms import DateInput
from profiles.choices import Currency
from profiles.models import User

from . import lifecycle
from .models import DeclineReason, LostReason, NotInterestedReason, Referral


class ActionForm(forms.Form):
    """An action that needs nothing but a click."""

    expected_state = forms.CharField(widget=forms.HiddenInput)
    # Fields the action cannot do without, though the page leaves them optional so that the
    # lifecycle's own check says what is missing (the API's schema marks them required).
    needs: tuple[str, ...] = ()

    def __init__(self, *args, referral: Referral, action: str, **kwargs) -> None:
        kwargs.setdefault("initial", {})["expected_state"] = referral.state
        # One page shows several action forms: ids say whose field it is; names stay plain.
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.referral, self.action = referral, action

    @classmethod
    def shown_alike(cls, referral: Referral) -> tuple:
        """What the unbound fields show of ``referral``: referrals that agree on it share their
        rendered fields (``caching.action_fields``)."""
        return (referral.state,)

    @classmethod
    def asks_for_details(cls) -> bool:
        return any(name != "expected_state" for name in cls.base_fields)

    def arguments(self) -> dict[str, Any]:
        """The action's keyword arguments, from what was typed."""
        return {name: value for name, value in self.cleaned_data.items() if name != "expected_state"}

    def run_check(self, check, *args) -> None:
        """Run one of the lifecycle's own checks and put what it says on the fields."""
        try:
            check(*args)
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


class AcceptForm(ActionForm):
    needs = ("deal_value", "currency", "close_date")
    deal_value = forms.DecimalField(label=_("Estimated deal value"), max_digits=14, decimal_places=2, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=[("", "—"), *Currency.choices], required=False)
    close_date = forms.DateField(label=_("Estimated close date"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean() or {}
        if "deal_value" not in self.errors:
            self.run_check(lifecycle.clean_amount, data.get("deal_value"), "deal_value")
        self.run_check(lifecycle.clean_currency, data.get("currency") or "")
        if "close_date" not in self.errors:
            self.run_check(lifecycle.clean_close_date, data.get("close_date"), timezone.now())
        return data


class EstimateForm(AcceptForm):
    """A negotiating deal's estimate, as it stands (the form starts from it)."""

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.update(
            {
                "deal_value": money.form_amount(referral.deal_value, referral.currency),
                "currency": referral.currency,
                "close_date": referral.close_date,
            }
        )
        super().__init__(*args, referral=referral, **kwargs)

    @classmethod
    def shown_alike(cls, referral: Referral) -> tuple:
        return (referral.state, referral.deal_value, referral.currency, referral.close_date)


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(NoteForm):
    """Decline and Lost: a reason from the list, and a note if the partner wants."""

    reasons: type[DeclineReason] | type[LostReason] | type[NotInterestedReason]
    needs = ("reason",)

    reason = forms.ChoiceField(label=_("Reason"), required=False)
    field_order = ["reason", "note"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = [("", "—"), *self.reasons.choices]

    def clean(self):
        data = super().clean() or {}
        self.run_check(lifecycle.clean_reason, data.get("reason") or "", self.reasons)
        return data


class NotInterestedForm(ReasonForm):
    reasons = NotInterestedReason
    duplicate_of = forms.IntegerField(
        label=_("Duplicate of referral # (for “Duplicate”)"),
        required=False,
        min_value=1,
        max_value=2**53,
        help_text=_("The number of your referral of the same customer's earlier request."),
    )
    field_order = ["reason", "duplicate_of", "note"]


class DeclineForm(ReasonForm):
    reasons = DeclineReason


class LostForm(ReasonForm):
    reasons = LostReason


class WonForm(ActionForm):
    needs = ("final_value", "currency")
    final_value = forms.DecimalField(label=_("Final deal value"), max_digits=14, decimal_places=2, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        kwargs.setdefault("initial", {}).update(
            {"currency": referral.currency, "final_value": money.form_amount(referral.deal_value, referral.currency)}
        )
        super().__init__(*args, referral=referral, **kwargs)

    @classmethod
    def shown_alike(cls, referral: Referral) -> tuple:
        return (referral.state, referral.deal_value, referral.currency)

    def clean(self):
        data = super().clean() or {}
        if "final_value" not in self.errors:
            self.run_check(lifecycle.clean_amount, data.get("final_value"), "final_value")
        return data


class OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.get_username()


class AssignForm(ActionForm):
    """The colleague who handles the referral, among those who see it."""

    owner = OwnerChoice(label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Nobody"))
    note = forms.CharField(
        label=_("Note to the owner (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        kwargs.setdefault("initial", {})["owner"] = referral.owner_id
        super().__init__(*args, referral=referral, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, OwnerChoice)
        colleagues = User.objects.people().filter(partner_id=referral.partner_id, is_active=True)
        owner.queryset = (
            colleagues.filter(Q(role=User.Role.ADMIN) | Q(locations=referral.location_id))
            .distinct()
            .order_by("username")
        )

    @classmethod
    def shown_alike(cls, referral: Referral) -> tuple:
        return (referral.state, referral.owner_id, referral.location_id)  # the colleagues who see the location


class NoteOnlyForm(ActionForm):
    note = forms.CharField(
        label=_("Internal note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Your colleagues and the operator see it; the customer and other partners never do."),
    )
