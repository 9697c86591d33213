"""pytest fixtures around the SMTP server on loopback (devtools.smtp)."""

from __future__ import annotations

import pytest

from devtools.smtp import Mailbox, free_port, running_smtp_server

__all__ = ["Mailbox", "free_port", "running_smtp_server", "smtp_server", "smtp_settings"]


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def smtp_settings(smtp_server, settings):
    """Send through the loopback SMTP server, as production sends through its own."""
    mailbox, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return mailbox
