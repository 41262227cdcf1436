"""The model's inputs and the label guard: 1 must mean "activity declined"."""

import numpy as np
import pandas as pd
import pytest
from helpers import synthetic_customers
from sklearn.metrics import roc_auc_score

from one_click.ml.features import (
    FEATURES,
    NOT_FEATURES,
    PositiveClassError,
    assert_model_positive_class,
    encode_target,
    feature_frame,
)
from one_click.ml.selection import fit_tuned
from one_click.project import setting

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it


def test_a_text_label_is_refused_not_cast(customers):
    # the delivered label as text: a plain cast to bool would make every customer "declined"
    customers["activity_declined"] = customers["activity_declined"].map(
        {True: "declined", False: "same level"}
    )
    with pytest.raises(PositiveClassError, match="must be boolean"):
        encode_target(customers)


def test_a_label_of_one_class_is_refused(customers):
    customers["activity_declined"] = True
    with pytest.raises(PositiveClassError, match="one class"):
        encode_target(customers)


def test_a_missing_label_is_refused(customers):
    customers["activity_declined"] = customers["activity_declined"].astype("boolean")
    customers.loc[2, "activity_declined"] = pd.NA
    with pytest.raises(PositiveClassError, match="missing"):
        encode_target(customers)


def test_probability_is_of_decline():
    # declined customers are the ones with few pages: they must get the high probabilities
    train, test = synthetic_customers(200, seed=1), synthetic_customers(200, seed=2)
    model = fit_tuned("logistic_regression", {}, feature_frame(train), encode_target(train), SEED)
    probability = model.predict_proba(feature_frame(test))[:, 1]
    assert roc_auc_score(test["activity_declined"], probability) > 0.8


def test_model_with_swapped_classes_is_refused():
    class Swapped:
        classes_ = np.array([1, 0])

    with pytest.raises(PositiveClassError):
        assert_model_positive_class(Swapped())


def test_features_leave_out_key_profit_and_flag(customers):
    X = feature_frame(customers)
    assert list(X.columns) == FEATURES
    assert not set(NOT_FEATURES) & set(X.columns)
    assert {"customer_id", "profit", "has_imputed_revenue", "activity_declined"} <= set(
        NOT_FEATURES
    )


def test_missing_value_is_refused(customers):
    customers.loc[3, "tenure_days"] = None
    with pytest.raises(ValueError, match="tenure_days"):
        feature_frame(customers)
