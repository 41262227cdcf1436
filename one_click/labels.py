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
    cell of the risk x profit grid (`high_risk_low_profit`: «высокий риск, низкая прибыль»), or
    the code of «no targeted segment» (labels.yml no_targeted_segment)."""
    from one_click.project import setting

    if name == labels()["no_targeted_segment"]["code"]:
        return no_segment_label(language)
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


def is_context(code: str) -> bool:
    """True for a reason code that is context, a fact the store cannot change (labels.yml
    `context: true`, on the reason or on one of its values: `tier`, `tenure_high`,
    `consent_true`)."""
    groups = reason_groups()
    if code in groups:
        return bool(groups[code].get("context"))
    reason, _, which = code.rpartition("_")
    if reason not in groups or which not in groups[reason]:
        raise KeyError(f"{LABELS_FILE.name}: unknown reason code {code!r}")
    return bool(groups[reason].get("context") or groups[reason][which].get("context"))


def actions() -> dict[str, dict]:
    """Action code -> its words (ru, en), needs_consent, the reason codes it answers and, for the
    fallback of a list, `fallback`: the list (labels.yml `actions:`, in its order)."""
    return labels()["actions"]


def action_lists() -> dict[str, dict]:
    """The lists an action is chosen for: name -> words and whether its customers allow offers."""
    return labels()["action_lists"]


def list_allows(list_name: str, action: str) -> bool:
    """May the list use the action: a list of customers without consent only actions that need
    none."""
    return action_lists()[list_name]["consent"] or not actions()[action]["needs_consent"]


def action_for(reason_code: str, list_name: str) -> str | None:
    """The action that answers a reason code on a list: the first in labels.yml's order that
    answers it and that the list allows; None if none does (context answers none)."""
    if list_name not in action_lists():
        raise KeyError(f"{LABELS_FILE.name}: no list {list_name!r} in action_lists")
    if is_context(reason_code):
        return None
    for code, action in actions().items():
        if reason_code in action["answers"] and list_allows(list_name, code):
            return code
    return None


def fallback_action(list_name: str) -> str:
    """The action of a customer of the list none of whose reasons an action answers."""
    found = [code for code, action in actions().items() if action.get("fallback") == list_name]
    if len(found) != 1:
        raise KeyError(f"{LABELS_FILE.name}: list {list_name!r} needs exactly one fallback action")
    return found[0]


def action_words(code: str, language: str, category: str | None = None) -> str:
    """The words of an action; {category} is the customer's favourite category as delivered,
    named in the language (value_label). Without a category, an action that names one takes its
    `any_category` words (a group whose customers favour different categories)."""
    action = actions()[code]
    text = _pick(action, language, f"action {code}")
    if "{category}" in text:
        if category is None:
            if "any_category" not in action:
                raise ValueError(f"action {code} names the favourite category: give it")
            return _pick(action["any_category"], language, f"action {code} any_category")
        text = text.replace("{category}", value_label("favourite_category", category, language))
    return text


def no_segment_label(language: str) -> str:
    return _pick(labels()["no_targeted_segment"], language, "no targeted segment")
