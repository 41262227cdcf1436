"""A customer's reasons in plain words: features that measure one thing count as one reason, and
each reason says which way the customer's value goes.

The reasons and their features are those of one_click/labels.yml (`reasons:`). A reason's SHAP
value is the sum of its features' SHAP values (SHAP values add up, so this is the reason's own
contribution to the decline probability); the top reasons are the three with the largest
positive sums, those that push the probability up. The direction comes from the customer's value
of the reason's `by` feature against the median of the customers the model trained on: below it,
`low` («мало времени на сайте»), else `high`. A category reason names the customer's value, a
flag reason whether it is set.

A reason's code, kept for SQL, is the reason and its direction (`site_time_low`), the reason and
the flag (`consent_false`) or the reason alone for a category (`category`, with the customer's
value in the words).
"""

from __future__ import annotations

import pandas as pd

from one_click import labels
from one_click.labels import LANGUAGES, reason_groups
from one_click.ml.features import ID_COLUMN

REASON_COLUMNS = ["top_reason_1", "top_reason_2", "top_reason_3"]
TEXT_COLUMNS = [f"reasons_{language}" for language in LANGUAGES]
SEPARATOR = "; "


def direction_features() -> list[str]:
    """The features whose value against the median gives a reason's direction."""
    return [group["by"] for group in reason_groups().values() if "by" in group]


def _owner() -> dict[str, str]:
    return {
        feature: name for name, group in reason_groups().items() for feature in group["features"]
    }


def reason_code(reason: str, value_label: str, value: float, median: float | None) -> str:
    """The code of a reason for a customer whose value of the reason's feature is `value`
    (`value_label` as text)."""
    group = reason_groups()[reason]
    if "by" in group:
        return f"{reason}_{'low' if value < median else 'high'}"
    if "value" in group:
        return reason
    return f"{reason}_{value_label}"


def reason_codes() -> pd.DataFrame:
    """Every reason code with its reason and words in every language ({value}: the customer's
    value, for a category reason): the table marketing.reason_labels."""
    rows = []
    for reason, group in reason_groups().items():
        if "value" in group:
            variants = [(reason, group["value"])]
        else:
            variants = [
                (f"{reason}_{key}", group[key])
                for key in ("low", "high", "true", "false")
                if key in group
            ]
        for code, words in variants:
            rows.append(
                {"reason_code": code, "reason": reason}
                | {f"words_{language}": words[language] for language in LANGUAGES}
            )
    return pd.DataFrame(rows).astype("string")


def reason_of(code: str) -> str:
    """The reason a code is of (`site_time_low` -> `site_time`, `category` -> `category`)."""
    groups = reason_groups()
    if code in groups:
        return code
    reason = code.rpartition("_")[0]
    if reason not in groups:
        raise KeyError(f"unknown reason code {code!r}")
    return reason


def value_label_of(value) -> str:
    if value is None:
        raise ValueError("a category reason needs the customer's value")
    return str(value)


def reason_words(code: str, language: str, value_label: str | None = None) -> str:
    """The words of a reason code (a category reason needs the customer's value, as delivered:
    it is named in the language, one_click.labels.value_label)."""
    groups = reason_groups()
    if code in groups:
        feature = groups[code]["features"][0]
        return groups[code]["value"][language].format(
            value=labels.value_label(feature, value_label_of(value_label), language)
        )
    reason, _, which = code.rpartition("_")
    if reason not in groups or which not in groups[reason]:
        raise KeyError(f"unknown reason code {code!r}")
    return groups[reason][which][language]


def plain_reasons(shap_values: pd.DataFrame, medians: dict[str, float], n: int = 3) -> pd.DataFrame:
    """Per customer, the codes of the n reasons that push the probability up most, and their
    words in every language.

    shap_values: long SHAP values (customer_id, feature, feature_value, feature_label,
    shap_value); medians: the median of every direction feature (direction_features()). Ties go
    to the reason first in alphabetical order; a customer with fewer than n reasons pushing up
    gets nulls.
    """
    groups, owner = reason_groups(), _owner()
    rows = shap_values.assign(reason=shap_values["feature"].map(owner))
    unknown = rows.loc[rows["reason"].isna(), "feature"].unique()
    if len(unknown):
        raise KeyError(f"features without a reason in labels.yml: {sorted(unknown)}")
    totals = rows.groupby([ID_COLUMN, "reason"], sort=True)["shap_value"].sum().rename("push")
    # the value a reason's code and words are read from: its `by` feature, or its only feature
    deciding = {name: group.get("by", group["features"][0]) for name, group in groups.items()}
    read = rows[rows["feature"] == rows["reason"].map(deciding)].set_index([ID_COLUMN, "reason"])
    pushing = (
        totals[totals > 0]
        .reset_index()
        .join(read[["feature", "feature_value", "feature_label"]], on=[ID_COLUMN, "reason"])
    )
    pushing = pushing.sort_values([ID_COLUMN, "push", "reason"], ascending=[True, False, True])
    pushing["rank"] = pushing.groupby(ID_COLUMN).cumcount() + 1
    pushing = pushing[pushing["rank"] <= n].copy()
    pushing["code"] = [
        reason_code(reason, label, value, medians.get(feature))
        for reason, label, value, feature in zip(
            pushing["reason"],
            pushing["feature_label"],
            pushing["feature_value"],
            pushing["feature"],
            strict=True,
        )
    ]
    customers = pd.Index(sorted(shap_values[ID_COLUMN].unique()), name=ID_COLUMN)
    wide = pushing.pivot(index=ID_COLUMN, columns="rank", values="code").reindex(
        index=customers, columns=range(1, n + 1)
    )
    wide.columns = REASON_COLUMNS[:n]
    for language, column in zip(LANGUAGES, TEXT_COLUMNS, strict=True):
        words = pushing.assign(
            words=[
                reason_words(code, language, label)
                for code, label in zip(pushing["code"], pushing["feature_label"], strict=True)
            ]
        )
        wide[column] = words.groupby(ID_COLUMN)["words"].agg(SEPARATOR.join).reindex(customers)
    dtypes = {ID_COLUMN: "int32"} | dict.fromkeys([*REASON_COLUMNS[:n], *TEXT_COLUMNS], "string")
    return wide.reset_index().astype(dtypes)
