"""What an email says: the message to render (``Message``), its rendering in the recipient's
language, and the builders of emails rendered only when they are sent (``at_send_time``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import models
from django.template.loader import render_to_string
from django.utils import translation

from .models import OutboundEmail


@dataclass
class Message:
    """An email: ``templates/emails/<template>_{subject.txt,body.txt,body.html}`` with ``context``,
    about ``about`` (any model instance, or None)."""

    dedupe_key: str
    template: str
    to_email: str
    language: str
    context: dict[str, Any] = field(default_factory=dict)
    about: models.Model | None = None


@dataclass
class Rendered:
    subject: str
    body_text: str
    body_html: str


@dataclass(frozen=True)
class Secret:
    """A value in a message's context that only the email that leaves carries (a working
    link); the copy the outbox keeps shows ``kept_as`` in its place."""

    value: Any
    kept_as: str

    def __str__(self) -> str:
        """Left unrevealed somewhere ``render`` does not look (an object's attribute, a named
        tuple): the placeholder, in the sent email and the copy alike, never the link."""
        return self.kept_as


def _shown(value: Any, reveal: bool) -> Any:
    """``value`` with each ``Secret`` in it (in lists, tuples and dicts too) revealed or replaced."""
    if isinstance(value, Secret):
        return value.value if reveal else value.kept_as
    if isinstance(value, dict):
        return {key: _shown(item, reveal) for key, item in value.items()}
    if type(value) in (list, tuple):  # not a named tuple or another subclass: left as it is
        return type(value)(_shown(item, reveal) for item in value)
    return value


class Builder(Protocol):
    def __call__(self, email: OutboundEmail) -> Message | None: ...


# template → the builder of its emails at send time
BUILDERS: dict[str, Builder] = {}


def at_send_time(template: str) -> Callable[[Builder], Builder]:
    """Register ``template``'s builder: its emails are built just before sending, never kept whole."""

    def register(builder: Builder) -> Builder:
        BUILDERS[template] = builder
        return builder

    return register


def render(message: Message, *, reveal: bool = False) -> Rendered:
    """The message in its recipient's language; its secrets only with ``reveal``."""
    with translation.override(message.language):
        context = {**_shown(message.context, reveal), "language": message.language}
        subject = render_to_string(f"emails/{message.template}_subject.txt", context)
        body_text = render_to_string(f"emails/{message.template}_body.txt", context)
        body_html = render_to_string(f"emails/{message.template}_body.html", context)
    return Rendered(" ".join(subject.split())[:300], body_text.strip() + "\n", body_html)


def build_at_send(email: OutboundEmail) -> tuple[Rendered, Rendered] | None:
    """For an email built at send time: what to send, and the copy to keep without its
    secrets (the same message, built once: the copy says what was sent); None if it no
    longer applies."""
    message = BUILDERS[email.template](email)
    if message is None:
        return None
    return render(message, reveal=True), render(message)
