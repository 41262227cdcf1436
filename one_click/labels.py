"""Names for people, in the store's language and in English: one_click/labels.yml, read here.

    feature_label("promo_purchase_share", "ru")   # 'доля покупок по акции'
    reason_groups()                              # the reasons, each with its features
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

LANGUAGES = ("ru", "en")
LABELS_FILE = Path(__file__).with_name("labels.yml")


@functools.cache
def labels() -> dict:
    return yaml.safe_load(LABELS_FILE.read_text(encoding="utf-8"))


def _pick(entry: dict, language: str, what: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: one of {', '.join(LANGUAGES)}")
    try:
        return entry[language]
    except (KeyError, TypeError):
        raise KeyError(f"{LABELS_FILE.name}: no {language} label for {what}") from None


def feature_label(feature: str, language: str) -> str:
    """The name of a model or profile feature."""
    entry = labels()["features"].get(feature)
    if entry is None:
        raise KeyError(f"{LABELS_FILE.name}: no label for feature {feature!r}")
    return _pick(entry, language, f"feature {feature}")


def band_label(band: str, language: str) -> str:
    return _pick(labels()["risk_bands"][band], language, f"risk band {band}")


def profit_level_label(level: str, language: str) -> str:
    return _pick(labels()["profit_levels"][level], language, f"profit level {level}")


def reason_groups() -> dict[str, dict]:
    """Reason -> its definition (features, `by` or the value phrases), as labels.yml has it."""
    return labels()["reasons"]
