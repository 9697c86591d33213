"""Every string a user can meet exists in Japanese: collect the strings afresh from the sources
(as ``makemessages`` would for a translator) and look for any without a translation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

from referrals_portal import release

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["manage.py", *release.SOURCES]


def test_every_ui_string_has_a_japanese_translation(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    environment = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ja", "--no-location", "-v0"],
        cwd=tmp_path,
        env={**environment, "DEBUG": "true", "VAR_DIR": str(tmp_path / "var")},
        check=True,
        timeout=120,
    )
    catalogue = polib.pofile(str(tmp_path / "locale/ja/LC_MESSAGES/django.po"))
    missing = [entry.msgid for entry in catalogue if not entry.obsolete and not entry.translated()]
    assert not missing, f"{len(missing)} strings have no Japanese translation: {missing[:20]}"
    assert len(catalogue.translated_entries()) > 300


def test_the_japanese_catalogue_has_no_guesses():
    catalogue = polib.pofile(str(ROOT / "locale/ja/LC_MESSAGES/django.po"))
    assert not catalogue.fuzzy_entries()
    for entry in catalogue.translated_entries():
        for placeholder in ("%(", "{"):
            assert entry.msgid.count(placeholder) == (entry.msgstr or entry.msgstr_plural[0]).count(placeholder), (
                entry.msgid
            )
