"""The next best actions as tables for SQL, from one_click/labels.yml (`actions:`, the one place
the mapping reason -> action lives): marketing.action_labels (every action with its words and
whether it needs consent), marketing.reason_actions (for each list and reason code, the action
that answers it) and marketing.segment_labels (the words of the segments field).

marketing.customer_actions (SQL) picks each listed customer's action from them: the action of
their strongest reason that the list has one for, else the list's fallback.
"""

from __future__ import annotations

import pandas as pd

from one_click.labels import (
    LANGUAGES,
    action_for,
    action_lists,
    actions,
    fallback_action,
    labels,
    no_segment_label,
)
from one_click.ml.plain_reasons import reason_codes


def action_labels() -> pd.DataFrame:
    """One row per action: action_code, words_ru, words_en ({category}: the customer's favourite
    category), needs_consent, fallback_of (the list it is the fallback of, else null)."""
    rows = [
        {"action_code": code}
        | {f"words_{language}": action[language] for language in LANGUAGES}
        | {"needs_consent": bool(action["needs_consent"]), "fallback_of": action.get("fallback")}
        for code, action in actions().items()
    ]
    for list_name in action_lists():
        fallback_action(list_name)  # exactly one per list, or a clear error
    frame = pd.DataFrame(rows)
    return frame.astype(
        dict.fromkeys(["action_code", "words_ru", "words_en", "fallback_of"], "string")
        | {"needs_consent": "bool"}
    )


def reason_actions() -> pd.DataFrame:
    """One row per list and reason code an action answers on it: list_name, reason_code,
    action_code. Context and reasons without an action have no row."""
    rows = [
        {"list_name": list_name, "reason_code": code, "action_code": action}
        for list_name in action_lists()
        for code in reason_codes()["reason_code"]
        if (action := action_for(code, list_name)) is not None
    ]
    return pd.DataFrame(rows, columns=["list_name", "reason_code", "action_code"]).astype("string")


def segment_labels(targeted_segments: dict[str, dict]) -> pd.DataFrame:
    """The words of every targeted segment (var targeted_segments) and of «no targeted segment»
    (labels.yml no_targeted_segment, is_targeted false): segment_name, words_ru, words_en,
    is_targeted."""
    none = labels()["no_targeted_segment"]
    rows = [
        {"segment_name": name, "is_targeted": True}
        | {f"words_{language}": words[language] for language in LANGUAGES}
        for name, words in targeted_segments.items()
    ]
    if none["code"] in targeted_segments:
        raise ValueError(f"a targeted segment may not be called {none['code']!r}")
    rows.append(
        {"segment_name": none["code"], "is_targeted": False}
        | {f"words_{language}": no_segment_label(language) for language in LANGUAGES}
    )
    frame = pd.DataFrame(rows)
    return frame.astype(
        {c: "string" for c in frame.columns if c != "is_targeted"} | {"is_targeted": "bool"}
    )
