"""Feature drift: how far the customers a build scores have moved from the model's training
customers, as a Population Stability Index (PSI) per feature.

When the model is trained, `feature_distributions` records each feature's distribution on the
training customers in the model's metadata (churn_model.json, key `feature_distributions`):
numbers cut into at most var drift_bins bins at the training quantiles (the bin edges and each
bin's share), categories (and allow_offers) by share. Every build compares the customers it
scores against it (ml.feature_drift):

    PSI = sum over bins of (actual share - expected share) x ln(actual share / expected share)

with shares floored at SHARE_FLOOR, so that an empty bin (or a category the model never saw,
whose expected share is 0) counts as a large but finite shift. The same customers give 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from one_click.ml.features import CATEGORICAL_FEATURES, FEATURES

# shares below this count as this, so that ln() stays finite (the usual 1e-4 of PSI)
SHARE_FLOOR = 1e-4
NUMERIC = "numeric"
CATEGORICAL = "categorical"
UNSEEN = "(unseen)"  # the bucket of categories the training customers did not have
DRIFT_DTYPES = {
    "feature": "string",
    "feature_kind": "string",
    "psi": "float64",
    "drifted": "bool",
    "psi_threshold": "float64",
    "bins": "int32",
    "customers": "int64",
    "training_customers": "int64",
}


def _categorical(feature: str) -> bool:
    return feature in CATEGORICAL_FEATURES or feature == "allow_offers"


def _labels(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.map({True: "true", False: "false"})
    return values.astype(str)


def bin_shares(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Share of the values in each bin: (-inf, e1), [e1, e2), ..., [ek, inf)."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        raise ValueError("no customers to compare")
    index = np.searchsorted(np.asarray(edges, dtype=float), values, side="right")
    return np.bincount(index, minlength=len(edges) + 1) / len(values)


def feature_distribution(values: pd.Series, bins: int, categorical: bool) -> dict:
    """One feature's distribution on the training customers, as the metadata keeps it."""
    if categorical:
        shares = _labels(values).value_counts(normalize=True).sort_index()
        return {"kind": CATEGORICAL, "shares": {str(k): float(v) for k, v in shares.items()}}
    numbers = values.astype(float).to_numpy()
    inner = np.quantile(numbers, np.linspace(0, 1, int(bins) + 1)[1:-1])
    edges = sorted({float(edge) for edge in inner})
    return {"kind": NUMERIC, "edges": edges, "shares": bin_shares(numbers, edges).tolist()}


def feature_distributions(customers: pd.DataFrame, bins: int) -> dict[str, dict]:
    """Every feature's distribution on `customers` (the model's training customers)."""
    if int(bins) < 2:
        raise ValueError(f"drift_bins must be at least 2, got {bins}")
    return {
        feature: feature_distribution(customers[feature], bins, _categorical(feature))
        for feature in FEATURES
    }


def psi(expected, actual) -> float:
    """Population Stability Index of two share vectors of the same bins."""
    expected = np.maximum(np.asarray(expected, dtype=float), SHARE_FLOOR)
    actual = np.maximum(np.asarray(actual, dtype=float), SHARE_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def actual_shares(distribution: dict, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(expected, actual) shares of the bins of `distribution` for the scored `values`."""
    if distribution["kind"] == NUMERIC:
        expected = np.asarray(distribution["shares"], dtype=float)
        return expected, bin_shares(values.astype(float).to_numpy(), distribution["edges"])
    known = list(distribution["shares"])
    counts = _labels(values).value_counts(normalize=True)
    actual = [float(counts.get(category, 0.0)) for category in known]
    actual.append(float(counts[~counts.index.isin(known)].sum()))
    expected = [distribution["shares"][category] for category in known] + [0.0]
    return np.asarray(expected), np.asarray(actual)


def drift_table(
    distributions: dict[str, dict],
    column,
    customers: int,
    training_customers: int,
    threshold: float,
) -> pd.DataFrame:
    """ml.feature_drift: one row per feature of the model's distributions.

    column(feature) returns the scored customers' values of that feature (a Series): one column
    at a time, so the customers never sit in memory all at once.
    """
    missing = [feature for feature in FEATURES if feature not in distributions]
    if missing:
        raise ValueError(f"the model's metadata has no training distribution of {missing}")
    rows = []
    for feature in FEATURES:
        distribution = distributions[feature]
        expected, actual = actual_shares(distribution, column(feature))
        value = psi(expected, actual)
        rows.append(
            {
                "feature": feature,
                "feature_kind": distribution["kind"],
                "psi": value,
                "drifted": value > threshold,
                "psi_threshold": float(threshold),
                "bins": len(expected),
                "customers": int(customers),
                "training_customers": int(training_customers),
            }
        )
    table = pd.DataFrame(rows).sort_values(["psi", "feature"], ascending=[False, True])
    return table.reset_index(drop=True).astype(DRIFT_DTYPES)


def relation_drift(features, distributions: dict, training_customers: int, threshold: float):
    """drift_table over a DuckDB relation of customer_features (read one column at a time)."""
    [(customers,)] = features.aggregate("count(*)").fetchall()

    def column(feature: str) -> pd.Series:
        return features.select(f'"{feature}"').df()[feature]

    return drift_table(distributions, column, customers, training_customers, threshold)
