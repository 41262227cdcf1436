"""Scores and their reading: risk bands, calibration, scoring a new batch with a kept model."""

import numpy as np
import pandas as pd

from one_click.ml.candidates import fitted_pipeline
from one_click.ml.explain import top_reasons
from one_click.ml.features import (
    CATEGORICAL_FEATURES,
    ID_COLUMN,
    TARGET,
    assert_model_positive_class,
    feature_frame,
)
from one_click.ml.metrics import calibration_table
from one_click.ml.progress import get_logger
from one_click.ml.selection import selected_family
from one_click.project import risk_band_cutoffs

# The bands, riskiest first. Their cut-offs on the calibrated decline probability are the vars
# risk_band_high and risk_band_medium: the dbt model customer_scores gets them through its meta
# config, score_customers from one_click.project.
RISK_BANDS = ["high", "medium", "low"]


def risk_band(probability, high: float, medium: float) -> np.ndarray:
    """'high' when probability >= high, 'medium' when >= medium, else 'low'."""
    if not 0 < medium < high < 1:
        raise ValueError(f"risk band cut-offs must satisfy 0 < medium < high < 1: {medium}, {high}")
    probability = np.asarray(probability, dtype=float)
    if np.isnan(probability).any():
        raise ValueError("cannot band a missing probability")
    return np.select(
        [probability >= high, probability >= medium], ["high", "medium"], default="low"
    ).astype(object)


def unseen_categories(model, X: pd.DataFrame) -> dict[str, list]:
    """Category values in X that the model's one-hot encoder never saw when it was fitted."""
    encoder = fitted_pipeline(model).named_steps["preprocess"].named_transformers_["category"]
    unseen = {}
    for column, known in zip(CATEGORICAL_FEATURES, encoder.categories_, strict=True):
        values = set(X[column].dropna().unique()) - set(known)
        if values:
            unseen[column] = sorted(map(str, values))
    return unseen


def warn_unseen_categories(model, X: pd.DataFrame, logger=None) -> dict[str, list]:
    """Log a warning naming unseen categories (they are scored with all one-hot columns zero)."""
    unseen = unseen_categories(model, X)
    if unseen:
        rows = int(sum(X[column].isin(values).sum() for column, values in unseen.items()))
        (logger or get_logger()).warning(
            f"scoring {rows} customers with categories the model never saw: {unseen}; "
            "they are scored as if the category were none of the known ones"
        )
    return unseen


def score_customers(model, customers: pd.DataFrame, cutoffs: dict | None = None) -> pd.DataFrame:
    """Score a new batch with a kept model, without retraining.

    customers needs customer_id and the feature columns of customers.customer_features (the label
    is not needed). Returns customer_id, decline_probability and risk_band; the band cut-offs
    ({'high': ..., 'medium': ...}) default to the project's vars.
    """
    cutoffs = cutoffs or risk_band_cutoffs()
    high, medium = cutoffs["high"], cutoffs["medium"]
    assert_model_positive_class(model)
    X = feature_frame(customers)
    warn_unseen_categories(model, X)
    probability = model.predict_proba(X)[:, 1]
    return pd.DataFrame(
        {
            ID_COLUMN: customers[ID_COLUMN].to_numpy(),
            "decline_probability": probability,
            "risk_band": risk_band(probability, high, medium),
        }
    ).astype({ID_COLUMN: "int32", "decline_probability": "float64", "risk_band": "string"})


def calibration_by_family(predictions: pd.DataFrame, board: pd.DataFrame) -> pd.DataFrame:
    """The reliability table of every family's out-of-fold probabilities (candidate_predictions)."""
    selected = set(board.loc[board["is_selected"].astype(bool), "model_family"])
    tables = [
        calibration_table(rows[TARGET].astype(int), rows["oof_probability"]).assign(
            model_family=family, is_selected=family in selected
        )
        for family, rows in predictions.groupby("model_family", sort=True)
    ]
    columns = ["model_family", "is_selected", "bin", "bin_lower", "bin_upper"]
    columns += ["mean_predicted", "observed_rate", "customers"]
    return (
        pd.concat(tables, ignore_index=True)[columns]
        .astype({"model_family": "string", "is_selected": "bool"})
        .reset_index(drop=True)
    )


SCORES_DTYPES = {
    ID_COLUMN: "int32",
    "decline_probability": "float64",
    "risk_band": "string",
    "top_reason_1": "string",
    "top_reason_2": "string",
    "top_reason_3": "string",
    "model_family": "string",
}


def customer_scores(
    predictions: pd.DataFrame,
    board: pd.DataFrame,
    shap_values: pd.DataFrame,
    high: float,
    medium: float,
) -> pd.DataFrame:
    """Every customer's out-of-fold decline probability under the selected family, its risk band
    and the three features pushing it up the most."""
    family = selected_family(board)
    scores = predictions.loc[predictions["model_family"] == family, [ID_COLUMN, "oof_probability"]]
    if set(scores[ID_COLUMN]) != set(shap_values[ID_COLUMN]):
        raise ValueError(f"the SHAP values do not cover the same customers as the {family} scores")
    scores = scores.rename(columns={"oof_probability": "decline_probability"})
    scores["risk_band"] = risk_band(scores["decline_probability"], high, medium)
    scores = scores.merge(top_reasons(shap_values), on=ID_COLUMN, how="left", validate="1:1")
    scores["model_family"] = family
    return (
        scores.sort_values(ID_COLUMN)
        .reset_index(drop=True)[list(SCORES_DTYPES)]
        .astype(SCORES_DTYPES)
    )
