"""The partner's action forms. Each carries the state the page showed (``expected_state``), so
an action on a stale page is refused with a message instead of doing something unexpected."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from profiles.choices import Currency

from . import actions
from .models import DeclineReason, LostReason, Referral


class ActionForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, referral: Referral, action: str, **kwargs) -> None:
        kwargs.setdefault("initial", {})["expected_state"] = referral.state
        # One page shows several action forms: ids say whose field it is; names stay plain.
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        super().__init__(*args, **kwargs)
        self.referral = referral

    def run_check(self, check, *args) -> None:
        """Run one of the actions' own checks, so the form says exactly what the action would."""
        try:
            check(*args)
        except forms.ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)


class AcceptForm(ActionForm):
    deal_value = forms.DecimalField(label=_("Estimated deal value"), max_digits=14, decimal_places=2, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=[("", "—"), *Currency.choices], required=False)
    close_date = forms.DateField(
        label=_("Estimated close date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if "deal_value" not in self.errors:
            self.run_check(actions.clean_amount, data.get("deal_value"), "deal_value")
        self.run_check(actions.clean_currency, data.get("currency") or "")
        if "close_date" not in self.errors:
            self.run_check(actions.clean_close_date, data.get("close_date"), timezone.now())
        return data


class ReasonForm(ActionForm):
    """Decline and Lost: a reason from the list, and a note if the partner wants."""

    reasons: type[DeclineReason] | type[LostReason]

    reason = forms.ChoiceField(label=_("Reason"), required=False)
    note = forms.CharField(
        label=_("Note (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—"), *self.reasons.choices]

    def clean(self):
        data = super().clean()
        self.run_check(actions.clean_reason, data.get("reason") or "", self.reasons)
        return data


class DeclineForm(ReasonForm):
    reasons = DeclineReason


class WonForm(ActionForm):
    final_value = forms.DecimalField(label=_("Final deal value"), max_digits=14, decimal_places=2, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)

    def __init__(self, *args, referral: Referral, **kwargs) -> None:
        kwargs.setdefault("initial", {}).update({"currency": referral.currency, "final_value": referral.deal_value})
        super().__init__(*args, referral=referral, **kwargs)

    def clean(self):
        data = super().clean()
        if "final_value" not in self.errors:
            self.run_check(actions.clean_amount, data.get("final_value"), "final_value")
        return data


class LostForm(ReasonForm):
    reasons = LostReason


# action name (URL and transition) → the form it needs, or ActionForm for a plain click
FORMS: dict[str, type[ActionForm]] = {
    "mark_interested": ActionForm,
    "mark_not_interested": ActionForm,
    "accept": AcceptForm,
    "decline": DeclineForm,
    "mark_won": WonForm,
    "mark_lost": LostForm,
}


def run(action: str, form: ActionForm, user) -> Referral:
    """Call the action behind ``form`` with its cleaned data."""
    data = form.cleaned_data
    referral, expected = form.referral, data["expected_state"]
    if action == "accept":
        return actions.accept(
            referral,
            by=user,
            deal_value=data["deal_value"],
            currency=data["currency"],
            close_date=data["close_date"],
            expected_state=expected,
        )
    if action == "decline":
        return actions.decline(referral, by=user, reason=data["reason"], note=data["note"], expected_state=expected)
    if action == "mark_won":
        return actions.mark_won(
            referral, by=user, final_value=data["final_value"], currency=data["currency"], expected_state=expected
        )
    if action == "mark_lost":
        return actions.mark_lost(referral, by=user, reason=data["reason"], note=data["note"], expected_state=expected)
    return getattr(actions, action)(referral, by=user, expected_state=expected)
