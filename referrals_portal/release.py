"""Which release of the portal is running: ``RELEASE`` from the environment (a deploy may set
its git commit), or a fingerprint of the code, templates and translations. Cache keys start
with it, so a new release never reads a fragment an older template rendered."""

from __future__ import annotations

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The folders that make the portal (tests, bench and docs do not run in it).
APPS = ("referrals_portal", "common", "profiles", "referrals", "customers", "outbox", "api", "webhooks")
SOURCES = (*APPS, "templates", "locale", "static")
SUFFIXES = {".py", ".html", ".txt", ".po", ".css", ".js", ".svg"}


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for source in SOURCES:
        for path in sorted((root / source).rglob("*")):
            if path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
