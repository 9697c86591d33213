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


JAPANESE = "\u3000-\u303f\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e"
PLACEHOLDER = r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}"
TYPOGRAPHY = {
    "an ASCII period or comma after Japanese": rf"[{JAPANESE}][.,:;!?](?![A-Za-z0-9])",
    "ASCII parentheses next to Japanese": rf"[{JAPANESE}] ?\(|\) ?[{JAPANESE}]|(?<!%)\([^)]*[{JAPANESE}][^)]*\)",
    "a space before a particle": rf"(?:[{JAPANESE}]|{PLACEHOLDER}|[A-Za-z0-9\]]) +[のをにがはでとへもや](?![A-Za-z])",
    "a space next to Japanese": rf"[{JAPANESE}] +\S|\S +[{JAPANESE}]",
}


def test_the_japanese_reads_as_written_japanese():
    """The house style of the catalogue: full-width punctuation after Japanese, no spaces
    between Japanese and Latin words, numbers or placeholders, every placeholder kept."""
    import re

    found = []
    for entry in polib.pofile(str(ROOT / "locale/ja/LC_MESSAGES/django.po")):
        if entry.obsolete:
            continue
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            found += [f"{rule}: {text!r}" for rule, pattern in TYPOGRAPHY.items() if re.search(pattern, text)]
            found += [f"{name} lost: {text!r}" for name in re.findall(PLACEHOLDER, entry.msgid) if name not in text]
    assert not found, "\n".join(found[:30])
