"""Measures of the probabilities: ranking aside, are they right on average (calibration)?"""

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss

CALIBRATION_BINS = 10


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
