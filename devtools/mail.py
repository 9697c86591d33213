"""Local mail a person can read: with DEBUG on and the default ``EMAIL_URL=filemail://``, the
settings send every email through this backend, which writes each message to a file of its own in
``EMAIL_FILE_PATH`` (``var/mail``), a standard ``.eml`` any mail client opens, named by the time it
was written and its recipient::

    20261204-153012-123456-ken@sakura.example.eml

The portal shows them at ``/dev/mail/`` (``devtools.mail_views``, routed with DEBUG on only).
Django's own file backend, which this one replaces, appends every message a connection sends to
one ``.log`` file, with its subject encoded."""

from __future__ import annotations

import datetime
import email.policy
import io
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage as ParsedMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends import filebased

SUFFIX = ".eml"
# What a message's file may be called: the backend's own names only, so no name a request
# carries can reach outside the folder (no "/", "\", "..", leading dot or other suffix).
NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._@+-]{0,200}\.eml")
UNSAFE = re.compile(r"[^0-9A-Za-z._@+-]+")


def file_name(recipients: Sequence[str], now: datetime.datetime | None = None) -> str:
    """``<time>-<first recipient's address>[-and-<n>-more].eml``, with safe characters only."""
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S-%f")
    address = (parseaddr(recipients[0])[1] or recipients[0]) if recipients else ""
    first = UNSAFE.sub("_", address).strip("._")
    who = first[:80] or "no-recipient"
    more = f"-and-{len(recipients) - 1}-more" if len(recipients) > 1 else ""
    return f"{stamp}-{who}{more}{SUFFIX}"


class EmailBackend(filebased.EmailBackend):
    """One ``.eml`` file a message (CRLF line ends, as RFC 5322 has them). A file appears whole
    or not at all: it is written under a temporary name and then linked to its own, which never
    replaces a file already there (two processes sending in the same microsecond get ``-2``)."""

    def open(self) -> bool:
        return False  # no stream: each message opens its own file

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        if not email_messages:
            return sent
        with self._lock:
            try:
                for message in email_messages:
                    if not message.recipients():
                        continue
                    self.write_file(message)
                    sent += 1
            except Exception:
                if not self.fail_silently:
                    raise
        return sent

    def write_file(self, message: EmailMessage) -> Path:
        directory = Path(self.file_path)
        data = io.BytesIO()
        BytesGenerator(data, mangle_from_=False).flatten(message.message(), linesep="\r\n")
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".writing-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data.getvalue())
            name = file_name(message.recipients())
            for attempt in range(1, 100):
                path = directory / (name if attempt == 1 else f"{name.removesuffix(SUFFIX)}-{attempt}{SUFFIX}")
                try:
                    os.link(temporary, path)
                except FileExistsError:
                    continue
                return path
            raise FileExistsError(f"No free file name for {name} in {directory}")
        finally:
            os.unlink(temporary)


# --- Reading them back (the /dev/mail/ pages) ---------------------------------------------------


def folder() -> Path:
    return Path(settings.EMAIL_FILE_PATH).resolve()


def message_path(name: str) -> Path | None:
    """The file of the message called ``name``, or None when there is no such message in the
    folder: a name that is not one the backend writes, or that leads elsewhere (a symbolic link
    out of the folder), is no message."""
    if not NAME.fullmatch(name):
        return None
    base = folder()
    path = (base / name).resolve()
    if path.parent != base or not path.is_file():
        return None
    return path


def parse(data: bytes, *, headers_only: bool = False) -> ParsedMessage:
    """A message, with its headers decoded (RFC 2047: a Japanese subject reads as Japanese)."""
    message = BytesParser(policy=email.policy.default).parsebytes(data, headersonly=headers_only)
    assert isinstance(message, ParsedMessage)
    return message


@dataclass
class Summary:
    name: str
    sent_at: datetime.datetime | None
    to: str
    subject: str


def header(message: ParsedMessage, name: str) -> str:
    return str(message.get(name, "")).strip()  # a folded header decodes with a leading space


def sent_at(message: ParsedMessage) -> datetime.datetime | None:
    try:
        value = message.get("Date")
        when = getattr(value, "datetime", None)
    except (ValueError, IndexError, TypeError):
        return None
    if not isinstance(when, datetime.datetime):
        return None
    # Django writes "-0000" (UTC, RFC 5322's "no zone information"), which parses naive.
    return when if when.tzinfo is not None else when.replace(tzinfo=datetime.UTC)


def newest(limit: int) -> tuple[list[Summary], int]:
    """The newest ``limit`` messages, newest first, and how many there are in all. The names
    start with the time, so the newest sort last."""
    base = folder()
    names = sorted((path.name for path in base.glob(f"*{SUFFIX}") if NAME.fullmatch(path.name)), reverse=True)
    summaries = []
    for name in names[:limit]:
        path = message_path(name)
        if path is None:
            continue
        with path.open("rb") as stream:
            message = parse(stream.read(64 * 1024), headers_only=True)
        summaries.append(
            Summary(
                name=name,
                sent_at=sent_at(message),
                to=header(message, "To") or header(message, "Cc"),
                subject=header(message, "Subject"),
            )
        )
    return summaries, len(names)


@dataclass
class Shown:
    headers: list[tuple[str, str]]
    subject: str
    text: str | None  # the text/plain body; None when the message has none
    parts: list[str]  # every part's type (and file name), e.g. text/plain, text/html
    has_html: bool


def read(path: Path) -> Shown:
    message = parse(path.read_bytes())
    headers = [(name, str(value).strip()) for name, value in message.items()]
    body = message.get_body(preferencelist=("plain",))
    text = None
    if isinstance(body, ParsedMessage):
        try:
            text = body.get_content()
        except (LookupError, ValueError):  # an unknown charset, a broken encoding
            payload = body.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
        text = text.replace("\r\n", "\n")
    parts = [
        part.get_content_type() + (f" ({part.get_filename()})" if part.get_filename() else "")
        for part in message.walk()
        if not part.is_multipart()
    ]
    has_html = any(part.get_content_type() == "text/html" for part in message.walk())
    return Shown(headers=headers, subject=header(message, "Subject"), text=text, parts=parts, has_html=has_html)
