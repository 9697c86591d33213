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


class Builder(Protocol):
    def __call__(self, email: OutboundEmail, *, reveal: bool) -> Message | None: ...


# template → the builder of its emails at send time
BUILDERS: dict[str, Builder] = {}


def at_send_time(template: str) -> Callable[[Builder], Builder]:
    """Register ``template``'s builder: its emails are built just before sending, never kept whole."""

    def register(builder: Builder) -> Builder:
        BUILDERS[template] = builder
        return builder

    return register


def render(message: Message) -> Rendered:
    with translation.override(message.language):
        context = {**message.context, "language": message.language}
        subject = render_to_string(f"emails/{message.template}_subject.txt", context)
        body_text = render_to_string(f"emails/{message.template}_body.txt", context)
        body_html = render_to_string(f"emails/{message.template}_body.html", context)
    return Rendered(" ".join(subject.split())[:300], body_text.strip() + "\n", body_html)


def build_at_send(email: OutboundEmail) -> tuple[Rendered, Rendered] | None:
    """For an email built at send time: what to send, and the copy to keep without its
    secrets; None if it no longer applies."""
    builder = BUILDERS[email.template]
    message = builder(email, reveal=True)
    if message is None:
        return None
    kept = builder(email, reveal=False)
    return render(message), render(kept) if kept is not None else Rendered("", "", "")
