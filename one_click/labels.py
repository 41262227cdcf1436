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


def segment_label(name: str, language: str) -> str:
    """The name of a segment: a targeted segment (var targeted_segments, with its names) or a
    cell of the risk x profit grid (`high_risk_low_profit`: «высокий риск, низкая прибыль»)."""
    from one_click.project import setting

    targeted = setting("targeted_segments")
    if name in targeted:
        return _pick(targeted[name], language, f"segment {name}")
    band, sep, level = name.removesuffix("_profit").partition("_risk_")
    if not sep or band not in labels()["risk_bands"] or level not in labels()["profit_levels"]:
        raise KeyError(f"no segment {name!r}: neither in var targeted_segments nor a grid cell")
    return f"{band_label(band, language)}, {profit_level_label(level, language)}"


def value_label(feature: str, value, language: str) -> str:
    """A value of a feature as people read it. The consent flag in the words of its reason
    («разрешает сообщать о предложениях»); otherwise in Russian as delivered, in English a
    favourite category by its English name and a service tier by what it is (var
    shop_vocabulary), a category not known yet as delivered."""
    from one_click.project import setting

    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: one of {', '.join(LANGUAGES)}")
    if feature == "allow_offers":
        flag = str(value).lower() in ("true", "1")
        return _pick(reason_groups()["consent"][str(flag).lower()], language, "consent")
    text = str(value)
    if language == "ru":
        return text
    vocabulary = setting("shop_vocabulary")
    if feature == "favourite_category":
        return (vocabulary["categories"].get(text) or {}).get(language, text)
    if feature == "service_tier":
        return vocabulary["service_tiers"].get(text, text)
    return text
