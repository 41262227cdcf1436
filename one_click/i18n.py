"""The two languages of what people read: Russian, the store's, and English.

Every sentence of the report, its figures and the segment recommendations is a message of the
files in one_click/messages/ (one file per part: report.yml, plots.yml, recommendations.yml),
each written in both languages; a key defined twice or a language missing is an error. Names of
features, reasons, bands, levels and segments come from one_click.labels. Numbers follow the
locale (babel): `1 983,6` in Russian, `1,983.6` in English.

    tr = Translator.of("ru")
    tr.t("report.title")                       # a message, {placeholders} filled from keywords
    tr.plural("report.customers", 1297)       # '1 297 клиентов': the plural form of the number
    tr.number(1983.64)                         # '1 983,6'
    tr.month("2026-10")                        # 'октябрь 2026' (the nominative month name)
"""

from __future__ import annotations

import functools
import math
from datetime import date
from pathlib import Path

import pandas as pd
import yaml
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from one_click.labels import (
    LANGUAGES,
    band_label,
    feature_label,
    profit_level_label,
    segment_label,
    value_label,
)
from one_click.languages import REPORT_FILES, REPORT_LANGUAGES, Language

MESSAGES_DIR = Path(__file__).with_name("messages")
__all__ = ["REPORT_FILES", "REPORT_LANGUAGES", "Language", "Translator", "is_missing", "messages"]


assert tuple(language.code for language in REPORT_LANGUAGES) == LANGUAGES

# kind -> babel number pattern
PATTERNS = {
    "int": "#,##0",
    "number": "#,##0.0",
    "number2": "#,##0.00",
    "number3": "#,##0.000",
    "auc": "0.000",
    "percent": "#,##0.0%",
    "percent0": "#,##0%",
}
DIGITS = {"int": 0, "number": 1, "number2": 2, "number3": 3, "auc": 3, "percent": 3, "percent0": 2}


@functools.cache
def messages() -> dict[str, dict]:
    """Every message: key -> {ru: text, en: text} (or plural forms {one, few, many, other})."""
    found: dict[str, dict] = {}
    where: dict[str, str] = {}
    for path in sorted(MESSAGES_DIR.glob("*.yml")):
        for key, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if key in found:
                raise KeyError(f"message {key!r} is defined in both {where[key]} and {path.name}")
            missing = [code for code in LANGUAGES if code not in (entry or {})]
            if missing:
                raise KeyError(f"{path.name}: message {key!r} has no {', '.join(missing)}")
            found[key], where[key] = entry, path.name
    return found


def is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


class Translator:
    """Messages and numbers of one language, for the template (`t`, `plural`, `fmt`)."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.code = language.code
        self.locale = Locale.parse(language.babel)

    @classmethod
    def of(cls, code: str) -> Translator:
        for language in REPORT_LANGUAGES:
            if language.code == code:
                return cls(language)
        raise ValueError(f"language {code!r}: one of {', '.join(LANGUAGES)}")

    def feature(self, name: str) -> str:
        """A feature's name in the store's vocabulary (one_click/labels.yml)."""
        return feature_label(name, self.code)

    def segment(self, name: str) -> str:
        """A segment's name (a targeted segment or a cell of the risk x profit grid)."""
        return segment_label(name, self.code)

    def value(self, feature: str, value) -> str:
        """A delivered value of a feature (a category, a tier) in this language."""
        return value_label(feature, value, self.code)

    def band(self, band: str) -> str:
        return band_label(band, self.code)

    def level(self, level: str) -> str:
        return profit_level_label(level, self.code)

    def t(self, key: str, **values) -> str:
        """The message `key`, its {placeholders} filled with `values`."""
        entry = messages().get(key)
        if entry is None:
            raise KeyError(f"{MESSAGES_DIR.name}/: no message {key!r}")
        text = entry[self.language.code]
        if isinstance(text, dict):
            raise TypeError(f"message {key!r} has plural forms: use plural()")
        return text.format(**values) if values else text

    def plural(self, key: str, count, **values) -> str:
        """The form of message `key` for `count` (Russian: one, few, many; English: one,
        other); {count} is the number, formatted."""
        entry = messages().get(key)
        if entry is None:
            raise KeyError(f"{MESSAGES_DIR.name}/: no message {key!r}")
        forms = entry[self.language.code]
        form = self.locale.plural_form(abs(int(count)))
        text = forms.get(form, forms.get("other") or forms["many"])
        return text.format(count=self.number(count, "int"), **values)

    def month(self, value) -> str:
        """A month written `YYYY-MM` as people name it: «октябрь 2026», "October 2026" (babel's
        stand-alone month name, `LLLL y`: the nominative in Russian); a value that is no such
        month is returned as it is."""
        if is_missing(value):
            return "—"
        try:
            year, month = (int(part) for part in str(value).split("-"))
            day = date(year, month, 1)
        except ValueError:
            return str(value)
        return format_date(day, "LLLL y", locale=self.locale)

    def number(self, value, kind: str = "number") -> str:
        """A number as this language writes it; no "-0.0" for a value that rounds to zero."""
        if is_missing(value):
            return "—"
        value = float(value)
        if round(value, DIGITS[kind]) == 0:
            value = 0.0
        if kind.startswith("percent"):
            return format_percent(value, format=PATTERNS[kind], locale=self.locale)
        return format_decimal(value, format=PATTERNS[kind], locale=self.locale)
