"""Measures of the probabilities: ranking aside, are they right on average (calibration)?"""

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss

CALIBRATION_BINS = 10
# the fewest customers of each class a statistic of a month's labels is computed on (ROC-AUC,
# permutation importance); below it the statistic is skipped with a note (labels_note)
FEWEST_PER_CLASS = 5


def labels_note(y, fewest: int = FEWEST_PER_CLASS) -> str | None:
    """Why a month's labels cannot support a statistic that compares the two classes (one class
    only, or fewer than `fewest` customers of one); None when they can."""
    y = np.asarray(y).astype(bool)
    declined, kept = int(y.sum()), int((~y).sum())
    if min(declined, kept) >= fewest:
        return None
    if declined == 0 or kept == 0:
        return (
            f"skipped: all {len(y)} customers of this month have the same label "
            f"({'declined' if declined else 'kept their activity'}); it needs both classes"
        )
    return (
        f"skipped: this month has {declined} customers who declined and {kept} who did not; "
        f"it needs at least {fewest} of each"
    )


def calibration_table(y, probability, n_bins: int = CALIBRATION_BINS) -> pd.DataFrame:
    """Reliability table: equal-width probability bins, mean predicted vs observed decline rate.

    Only bins holding at least one customer are returned; bin 1 is [0, 1/n_bins), the last bin
    includes 1.
    """
    y = np.asarray(y, dtype=float)
    probability = np.asarray(probability, dtype=float)
    edges = np.linspace(0, 1, n_bins + 1)
    index = np.clip(np.digitize(probability, edges[1:-1], right=False), 0, n_bins - 1)
    rows = []
    for number in range(n_bins):
        in_bin = index == number
        if not in_bin.any():
            continue
        rows.append(
            {
                "bin": number + 1,
                "bin_lower": edges[number],
                "bin_upper": edges[number + 1],
                "mean_predicted": probability[in_bin].mean(),
                "observed_rate": y[in_bin].mean(),
                "customers": int(in_bin.sum()),
            }
        )
    return pd.DataFrame(rows).astype(
        {
            "bin": "int32",
            "bin_lower": "float64",
            "bin_upper": "float64",
            "mean_predicted": "float64",
            "observed_rate": "float64",
            "customers": "int64",
        }
    )


def expected_calibration_error(y, probability, n_bins: int = CALIBRATION_BINS) -> float:
    """Customer-weighted mean |observed rate - mean predicted| over the calibration bins."""
    table = calibration_table(y, probability, n_bins)
    gaps = (table["observed_rate"] - table["mean_predicted"]).abs()
    return float(np.average(gaps, weights=table["customers"]))


def brier_score(y, probability) -> float:
    return float(brier_score_loss(np.asarray(y, dtype=int), np.asarray(probability, dtype=float)))


def delong_interval(y, probability, confidence: float) -> tuple[float, float, float]:
    """ROC-AUC and its `confidence` interval by DeLong's method (the variance of the AUC as a
    two-sample U-statistic, from midranks: DeLong, DeLong and Clarke-Pearson 1988; Sun and Xu
    2014's fast algorithm), clipped to [0, 1]: (estimate, lower, upper)."""
    from statistics import NormalDist

    from scipy.stats import rankdata

    y = np.asarray(y, dtype=bool)
    probability = np.asarray(probability, dtype=float)
    positives, negatives = probability[y], probability[~y]
    m, n = len(positives), len(negatives)
    if m < 2 or n < 2:
        raise ValueError(
            f"an interval of the ROC-AUC needs two customers of each class, got {m}, {n}"
        )
    combined = rankdata(np.concatenate([positives, negatives]))
    rank_positive, rank_negative = combined[:m], combined[m:]
    auc = (rank_positive.sum() - m * (m + 1) / 2) / (m * n)
    v10 = (rank_positive - rankdata(positives)) / n
    v01 = 1 - (rank_negative - rankdata(negatives)) / m
    se = float(np.sqrt(np.var(v10, ddof=1) / m + np.var(v01, ddof=1) / n))
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return float(auc), max(0.0, float(auc) - z * se), min(1.0, float(auc) + z * se)
