"""A real SMTP server on loopback (aiosmtpd), for the tests and the benchmarks: it collects what it
receives, and can be told to refuse mail to show what the portal does when the mail server fails."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The SMTP handler: ``messages`` holds every accepted email, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refusing = False
        self.refused = 0
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusing:
            self.refused += 1
            return "451 4.3.0 Mailbox temporarily unavailable"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 20) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
        return list(self.messages)

    def wait_until(self, condition: Callable[[], object], timeout: float = 20) -> None:
        """Until ``condition()`` holds of what has arrived (or ``timeout`` seconds pass)."""
        with self.arrived:
            self.arrived.wait_for(condition, timeout=timeout)

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in message["To"]]

    @staticmethod
    def parts(message: EmailMessage) -> tuple[str, str]:
        """(plain text, HTML) of a message."""
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text is not None and html is not None, "every email has a text and an HTML part"
        return text.get_content(), html.get_content()


@contextmanager
def running_smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()
