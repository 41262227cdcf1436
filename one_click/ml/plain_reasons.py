"""A customer's reasons in plain words: features that measure one thing count as one reason, and
a reason says which way the customer's value goes only when it lies clearly away from typical
customers.

The reasons and their features are those of one_click/labels.yml (`reasons:`). A reason's SHAP
value is the sum of its features' SHAP values (SHAP values add up, so this is the reason's own
contribution to the decline probability); only reasons with a positive sum, those that push the
probability up, count. A reason with a direction (`by`: a number) says `low`
(«мало времени на сайте») only when the customer's value of its `by` feature is below the lower
quartile of all scored customers, `high` only above the upper quartile: inside that band the
customer is typical, and a feature that pushes the risk up at a typical value is no reason a
marketer can act on (it is left out). So a direction always comes with a SHAP value that pushes
the risk up at a value clearly below or above typical customers. A category reason names the
customer's value, a flag reason whether it is set.

Facts the store cannot change (labels.yml `context: true`: the service tier, the favourite
category, the tenure, that the customer allows offers) are context: never among the top
reasons, listed apart (context_ru, context_en).

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
CONTEXT_COLUMNS = ["context_reasons"] + [f"context_{language}" for language in LANGUAGES]
SEPARATOR = "; "


def direction_features() -> list[str]:
    """The features whose value against the band of typical customers gives a reason's
    direction."""
    return [group["by"] for group in reason_groups().values() if "by" in group]


def _owner() -> dict[str, str]:
    return {
        feature: name for name, group in reason_groups().items() for feature in group["features"]
    }


def reason_code(
    reason: str, value_label: str, value: float, band: tuple[float, float] | None
) -> str | None:
    """The code of a reason for a customer whose value of the reason's feature is `value`
    (`value_label` as text); `band`: the lower and upper quartile of the reason's `by` feature.
    None when the value lies inside the band, edges included: no direction, so no reason."""
    group = reason_groups()[reason]
    if "by" in group:
        if band is None:
            raise KeyError(f"no band of typical values for {group['by']}")
        lower, upper = band
        if value < lower:
            return f"{reason}_low"
        if value > upper:
            return f"{reason}_high"
        return None
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
                {"reason_code": code, "reason": reason, "is_context": labels.is_context(code)}
                | {f"words_{language}": words[language] for language in LANGUAGES}
            )
    frame = pd.DataFrame(rows)
    return frame.astype(
        {c: "string" for c in frame.columns if c != "is_context"} | {"is_context": "bool"}
    )


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


def plain_reasons(
    shap_values: pd.DataFrame, bands: dict[str, tuple[float, float]], n: int = 3
) -> pd.DataFrame:
    """Per customer, the codes of the n actionable reasons that push the probability up most and
    their words in every language, then the context that pushes it up (codes and words).

    shap_values: long SHAP values (customer_id, feature, feature_value, feature_label,
    shap_value); bands: the lower and upper quartile of every direction feature
    (direction_features()) over all scored customers. Ties go to the reason first in
    alphabetical order; a reason inside its band is left out; a customer with fewer than n
    reasons gets nulls.
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
    pushing["code"] = pd.Series(
        [
            reason_code(reason, label, value, bands.get(feature))
            for reason, label, value, feature in zip(
                pushing["reason"],
                pushing["feature_label"],
                pushing["feature_value"],
                pushing["feature"],
                strict=True,
            )
        ],
        index=pushing.index,
        dtype="object",
    )
    pushing = pushing[pushing["code"].notna()].copy()
    pushing["context"] = pushing["code"].map(labels.is_context).astype(bool)
    for language in LANGUAGES:
        pushing[f"words_{language}"] = [
            reason_words(code, language, label)
            for code, label in zip(pushing["code"], pushing["feature_label"], strict=True)
        ]
    customers = pd.Index(sorted(shap_values[ID_COLUMN].unique()), name=ID_COLUMN)
    actionable = pushing[~pushing["context"]].copy()
    actionable["rank"] = actionable.groupby(ID_COLUMN).cumcount() + 1
    actionable = actionable[actionable["rank"] <= n]
    wide = actionable.pivot(index=ID_COLUMN, columns="rank", values="code").reindex(
        index=customers, columns=range(1, n + 1)
    )
    wide.columns = REASON_COLUMNS[:n]
    context = pushing[pushing["context"]]
    for language, column in zip(LANGUAGES, TEXT_COLUMNS, strict=True):
        joined = actionable.groupby(ID_COLUMN)[f"words_{language}"].agg(SEPARATOR.join)
        wide[column] = joined.reindex(customers)
        joined = context.groupby(ID_COLUMN)[f"words_{language}"].agg(SEPARATOR.join)
        wide[f"context_{language}"] = joined.reindex(customers)
    wide["context_reasons"] = context.groupby(ID_COLUMN)["code"].agg(", ".join).reindex(customers)
    columns = [*REASON_COLUMNS[:n], *TEXT_COLUMNS, *CONTEXT_COLUMNS]
    dtypes = {ID_COLUMN: "int32"} | dict.fromkeys(columns, "string")
    return wide.reset_index()[[ID_COLUMN, *columns]].astype(dtypes)
