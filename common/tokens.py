"""Secret links a worker can rebuild but no row holds.

The secret in such a link is derived from a random salt (stored) with the secret key (not
stored), and the row keeps only the digest of the secret, to find it again when the link is
opened: reading the database gives no working link, and an email built at send time can carry
it. Rotating SECRET_KEY changes the secrets of new emails; links already sent keep working.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac


def new_salt() -> str:
    return secrets.token_urlsafe(24)


def derived(purpose: str, salt: str) -> str:
    """The secret for ``salt``, the same every time it is asked for (URL-safe, 43 characters)."""
    digest = salted_hmac(purpose, salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
