"""Forms and the checks of the actions behind them."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put what an action refused onto ``form``: each message on its field when the form has
    it, on the form as a whole otherwise, so the page says it where the user looks."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)
