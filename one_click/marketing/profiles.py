"""Compare every segment with the rest of the customers, feature by feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

# Features compared between a segment and the rest: behaviour, money and the model's probability.
# Booleans (the premium tier as customer_risk.is_premium) are compared as shares (0/1).
PROFILE_FEATURES = [
    "decline_probability",
    "profit",
    "marketing_contacts_6m_avg",
    "marketing_contacts_current_month",
    "promo_purchase_share",
    "unpaid_items_quarter",
    "service_errors",
    "pages_per_visit",
    "categories_per_visit",
    "minutes_current_month",
    "minutes_previous_month",
    "revenue_current_month",
    "tenure_days",
    "is_premium",
    "allow_offers",
]

SIGNIFICANCE_LEVEL = 0.05

PROFILE_COLUMNS = {
    "segment_family": "string",
    "segment_name": "string",
    "feature": "string",
    "segment_customers": "int64",
    "rest_customers": "int64",
    "segment_mean": "float64",
    "rest_mean": "float64",
    "segment_median": "float64",
    "rest_median": "float64",
    "mean_difference": "float64",
    "standardized_difference": "float64",
    "p_value": "float64",
    "p_value_adjusted": "float64",
    "is_significant": "boolean",
}


def profile_frame(customers: pd.DataFrame) -> pd.DataFrame:
    """The customers' profile features as numbers (booleans as 0/1)."""
    missing = [f for f in PROFILE_FEATURES if f not in customers.columns]
    if missing:
        raise KeyError(f"customers frame lacks profile features: {', '.join(missing)}")
    return customers.set_index("customer_id")[PROFILE_FEATURES].astype(float)


def _compare(inside: pd.Series, outside: pd.Series) -> dict:
    inside, outside = inside.dropna(), outside.dropna()
    row = {
        "segment_customers": len(inside),
        "rest_customers": len(outside),
        "segment_mean": inside.mean() if len(inside) else np.nan,
        "rest_mean": outside.mean() if len(outside) else np.nan,
        "segment_median": inside.median() if len(inside) else np.nan,
        "rest_median": outside.median() if len(outside) else np.nan,
    }
    row["mean_difference"] = row["segment_mean"] - row["rest_mean"]
    pooled = pd.concat([inside, outside]).std(ddof=1)
    row["standardized_difference"] = (
        row["mean_difference"] / pooled if pooled and np.isfinite(pooled) else 0.0
    )
    if len(inside) and len(outside) and pd.concat([inside, outside]).nunique() > 1:
        # rank test: no normality assumed, fine for counts, shares and 0/1 flags alike
        row["p_value"] = float(stats.mannwhitneyu(inside, outside, alternative="two-sided").pvalue)
    else:
        row["p_value"] = np.nan
    return row


def profile_segments(customers: pd.DataFrame, memberships: pd.DataFrame) -> pd.DataFrame:
    """One row per segment and feature: the segment against every customer outside it.

    `customers` is one row per scored customer (customer_risk); `memberships` has
    segment_family, segment_name, customer_id. p-values are Mann-Whitney U, adjusted within each
    segment for the number of features compared (Benjamini-Hochberg).
    """
    numbers = profile_frame(customers)
    rows = []
    for (family, name), members in memberships.groupby(["segment_family", "segment_name"]):
        in_segment = numbers.index.isin(members["customer_id"])
        segment_rows = []
        for feature in PROFILE_FEATURES:
            values = numbers[feature]
            row = {"segment_family": family, "segment_name": name, "feature": feature}
            row.update(_compare(values[in_segment], values[~in_segment]))
            segment_rows.append(row)
        p_values = np.array([r["p_value"] for r in segment_rows], dtype=float)
        tested = ~np.isnan(p_values)
        adjusted = np.full_like(p_values, np.nan)
        if tested.any():
            adjusted[tested] = stats.false_discovery_control(p_values[tested], method="bh")
        for row, p_adjusted in zip(segment_rows, adjusted, strict=True):
            row["p_value_adjusted"] = p_adjusted
            row["is_significant"] = bool(p_adjusted < SIGNIFICANCE_LEVEL)  # nan: not tested
        rows.extend(segment_rows)
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS)).astype(PROFILE_COLUMNS)
