"""Lists as each language writes them (Babel's CLDR patterns): "Cloud, Data, and Security" in
English, "Cloud、Data、Security" in Japanese, where ", ".join would put an ASCII comma."""

from __future__ import annotations

from collections.abc import Iterable

from babel.lists import format_list

from common.money import reader_locale


def listing(items: Iterable[object]) -> str:
    shown = [str(item) for item in items]
    return format_list(shown, style="standard", locale=reader_locale()) if shown else ""
