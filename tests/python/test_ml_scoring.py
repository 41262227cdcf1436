"""Scoring a batch, risk bands, calibration tables, the customer_scores table."""

import logging

import numpy as np
import pandas as pd
import pytest
from helpers import synthetic_customers

from one_click.ml.features import encode_target, feature_frame
from one_click.ml.metrics import brier_score, calibration_table, expected_calibration_error
from one_click.ml.scoring import (
    customer_scores,
    risk_band,
    score_customers,
    unseen_categories,
)
from one_click.ml.selection import fit_tuned
from one_click.project import risk_band_cutoffs


def test_risk_band_cut_offs():
    probability = [0.0, 0.2999, 0.3, 0.5999, 0.6, 1.0]
    assert list(risk_band(probability, high=0.6, medium=0.3)) == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    assert list(risk_band([0.5], high=0.5, medium=0.2)) == ["high"]


def test_a_batch_is_banded_with_the_project_cut_offs(customers):
    model = fit_tuned("logistic_regression", {}, feature_frame(customers), encode_target(customers))
    scores = score_customers(model, customers)
    cutoffs = risk_band_cutoffs()
    expected = risk_band(scores["decline_probability"], cutoffs["high"], cutoffs["medium"])
    assert list(scores["risk_band"]) == list(expected)
    # other cut-offs give other bands: the project's are not built in
    shifted = score_customers(model, customers, {"high": 0.99, "medium": 0.98})
    assert list(shifted["risk_band"]) != list(scores["risk_band"])


@pytest.mark.parametrize("high, medium", [(0.3, 0.6), (0.6, 0.6), (1.2, 0.3), (0.6, 0.0)])
def test_risk_band_refuses_cut_offs_out_of_order(high, medium):
    with pytest.raises(ValueError, match="cut-offs"):
        risk_band([0.5], high=high, medium=medium)


def test_unseen_category_is_scored_with_a_warning(customers, caplog):
    model = fit_tuned("logistic_regression", {}, feature_frame(customers), encode_target(customers))
    batch = synthetic_customers(5, seed=9).drop(columns=["activity_declined"])
    batch.loc[0, "favourite_category"] = "Садовый инвентарь"  # a category the shop just opened
    with caplog.at_level(logging.WARNING, logger="one_click"):
        scores = score_customers(model, batch)
    assert "Садовый инвентарь" in caplog.text and "never saw" in caplog.text
    assert scores["decline_probability"].between(0, 1).all() and len(scores) == 5
    assert list(scores.columns) == ["customer_id", "decline_probability", "risk_band"]


def test_known_categories_score_without_a_warning(customers, caplog):
    model = fit_tuned("logistic_regression", {}, feature_frame(customers), encode_target(customers))
    with caplog.at_level(logging.WARNING, logger="one_click"):
        score_customers(model, customers.head(10))
    assert caplog.text == ""
    assert unseen_categories(model, feature_frame(customers)) == {}


def test_calibration_table_and_error():
    rng = np.random.default_rng(0)
    probability = rng.uniform(size=20000)
    calibrated = rng.uniform(size=20000) < probability
    table = calibration_table(calibrated, probability)
    assert list(table["bin"]) == list(range(1, 11))
    assert table["customers"].sum() == 20000
    assert (table["mean_predicted"] >= table["bin_lower"]).all()
    assert (table["mean_predicted"] < table["bin_upper"]).all()
    assert expected_calibration_error(calibrated, probability) < 0.02
    overconfident = np.clip(probability * 2 - 0.5, 0, 1)
    assert expected_calibration_error(calibrated, overconfident) > 0.1
    assert brier_score(calibrated, probability) < brier_score(calibrated, overconfident)


def test_calibration_table_puts_one_in_the_last_bin():
    table = calibration_table([1, 0, 1], [1.0, 0.0, 0.95])
    assert list(table["bin"]) == [1, 10] and list(table["customers"]) == [1, 2]


def test_customer_scores_take_the_selected_family_and_its_reasons():
    predictions = pd.DataFrame(
        {
            "model_family": ["knn", "knn", "svc", "svc"],
            "customer_id": [1, 2, 1, 2],
            "activity_declined": [True, False, True, False],
            "oof_probability": [0.9, 0.1, 0.7, 0.4],
            "outer_fold": [1, 2, 1, 2],
        }
    )
    board = pd.DataFrame({"model_family": ["knn", "svc"], "is_selected": [False, True]})
    shap_values = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "feature": ["pages_per_visit", "service_tier", "pages_per_visit", "service_tier"],
            "shap_value": [0.2, -0.1, -0.05, 0.01],
        }
    )
    scores = customer_scores(predictions, board, shap_values, high=0.6, medium=0.3)
    assert list(scores["decline_probability"]) == [0.7, 0.4]
    assert list(scores["risk_band"]) == ["high", "medium"]
    assert list(scores["model_family"]) == ["svc", "svc"]
    assert list(scores["top_reason_1"]) == ["pages_per_visit", "service_tier"]
    assert scores["top_reason_2"].isna().all() and scores["top_reason_3"].isna().all()
