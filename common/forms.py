"""Forms and the checks of the actions behind them."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms import renderers
from django.http import HttpRequest, QueryDict
from django.template import TemplateDoesNotExist


def add_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put what an action refused onto ``form``: each message on its field when the form has
    it, on the form as a whole otherwise, so the page says it where the user looks."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error)


class DateInput(forms.DateInput):
    """``<input type=date>`` that shows a value only if it is a date: what the user typed that
    is not one stays in the error message, not in an attribute that must hold a valid date."""

    input_type = "date"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        shown = super().format_value(value)
        if not shown:
            return shown
        try:
            date.fromisoformat(str(shown))
        except ValueError:
            return None
        return shown


def submitted(request: HttpRequest, posted_to: str | None = None) -> QueryDict | None:
    """What the user submitted to a form posted to ``posted_to`` (this page's own path unless
    given): the POST itself, or, on the page shown again after a language switch, the refused
    post kept for it (``common.middleware.RefusedFormRedirect``); else None, an unbound form.

    A view binds its form to it and acts only on a POST: ``Form(submitted(request))`` then
    ``if request.method == "POST" and form.is_valid()``."""
    if request.method == "POST":
        return request.POST
    refused = getattr(request, "refused_post", None)
    if refused is not None and refused.posted_to == (posted_to or request.path_info):
        return refused.data
    return None


class WidgetRenderer(renderers.BaseRenderer):
    """Form widgets through Jinja2 (Django ships a Jinja2 copy of each of its widget templates):
    the same markup as the Django-template ones, several times faster, which a select with its
    options and attributes shows on every page with a form (README, Performance). A widget whose
    template only exists for Django's engine (the admin's own) renders through that engine."""

    def __init__(self) -> None:
        self.jinja2 = renderers.Jinja2()
        self.django = renderers.DjangoTemplates()

    def get_template(self, template_name: str):
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
