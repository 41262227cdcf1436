"""Nested cross-validation: out-of-fold scores, the common split, reproducibility, selection."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from helpers import synthetic_customers
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import RobustScaler

from one_click.ml import candidates
from one_click.ml.candidates import SCALER_PARAM, params_from_json_ready, params_to_json_ready
from one_click.ml.features import encode_target, feature_frame, sort_customers
from one_click.ml.selection import (
    HOLDOUT,
    OUTER_FOLD,
    candidate_predictions,
    evaluation_folds,
    fit_tuned,
    holdout_split,
    leaderboard,
    refit_fold,
    run_candidate_search,
    selected_family,
)


@pytest.fixture
def memorising_knn(monkeypatch):
    """knn that returns a training customer's own label: perfect on rows it was fitted on."""
    knn = candidates.CANDIDATES["knn"]
    space = {"model__n_neighbors": [5], "model__weights": ["distance"], "model__p": [2]}
    monkeypatch.setitem(
        candidates.CANDIDATES,
        "knn",
        dataclasses.replace(knn, param_distributions=space, n_iter=1),
    )


def test_scores_come_from_models_that_never_saw_the_customer(memorising_knn):
    # the label is noise: only a model that saw the customer can score them well
    customers = synthetic_customers(150, seed=3, signal=False)
    search = run_candidate_search(customers, families=["knn"], n_jobs=1)
    oof = candidate_predictions(search)
    assert roc_auc_score(oof["activity_declined"], oof["oof_probability"]) < 0.7

    X, y = feature_frame(sort_customers(customers)), encode_target(sort_customers(customers))
    memorising = {"model__n_neighbors": 5, "model__weights": "distance"}
    in_sample = fit_tuned("knn", memorising, X, y, calibrate=False).predict_proba(X)[:, 1]
    assert roc_auc_score(y, in_sample) > 0.99  # the same model scoring its own training rows

    for _, train, test, rows in evaluation_folds(customers, search, "knn", OUTER_FOLD):
        assert not set(train) & set(test)
        refit_fold("knn", rows, X, y, train, test)  # trained on `train` only; raises if not


def test_every_customer_scored_once_per_family(customers, quick_search):
    search = run_candidate_search(customers, families=["logistic_regression"], n_jobs=1)
    oof = candidate_predictions(search)
    assert len(oof) == len(customers)
    assert not oof.duplicated(["model_family", "customer_id"]).any()
    assert set(oof["customer_id"]) == set(customers["customer_id"])
    assert set(oof["outer_fold"]) == {1, 2, 3, 4, 5}


def test_holdout_is_the_common_75_25_split(customers, quick_search):
    y = encode_target(sort_customers(customers))
    _, expected = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=42)
    train, test = holdout_split(y)
    assert np.array_equal(test, np.sort(expected))
    assert not set(train) & set(test) and len(train) + len(test) == len(y)

    search = run_candidate_search(customers, families=["decision_tree"], n_jobs=1)
    holdout_ids = search.loc[search["evaluation"] == HOLDOUT, "customer_id"]
    ids = sort_customers(customers)["customer_id"].to_numpy()
    assert set(holdout_ids) == set(ids[expected])


def test_two_runs_give_identical_scores(quick_search, monkeypatch):
    # soft_voting: random splits (extra trees) and neighbours; the rows come in another order
    voting = candidates.CANDIDATES["soft_voting"]
    fewer_trees = dataclasses.replace(
        voting,
        make_estimator=lambda seed: voting.make_estimator(seed).set_params(
            extra_trees__n_estimators=5
        ),
    )
    monkeypatch.setitem(candidates.CANDIDATES, "soft_voting", fewer_trees)
    customers = synthetic_customers(80)
    first = run_candidate_search(customers, families=["soft_voting"], n_jobs=1)
    shuffled = customers.sample(frac=1, random_state=7)
    second = run_candidate_search(shuffled, families=["soft_voting"], n_jobs=1)
    pd.testing.assert_frame_equal(
        first.drop(columns="fit_seconds"), second.drop(columns="fit_seconds")
    )


def _search_rows(family, fold_probabilities, holdout_probability):
    rows = []
    for fold, probability in enumerate(fold_probabilities, start=1):
        for customer, declined in enumerate([True, False, True, False]):
            rows.append((family, OUTER_FOLD, fold, fold * 10 + customer, declined, probability))
    for customer, declined in enumerate([True, False]):
        rows.append((family, HOLDOUT, 0, 100 + customer, declined, holdout_probability))
    frame = pd.DataFrame(
        rows,
        columns=[
            "model_family",
            "evaluation",
            "fold",
            "customer_id",
            "activity_declined",
            "probability",
        ],
    )
    # a good fold ranks the declined customers first, a bad one last
    frame["probability"] = np.where(
        frame["activity_declined"], frame["probability"], 1 - frame["probability"]
    )
    return frame.assign(best_params='{"model__C": 1}', inner_cv_roc_auc=0.5, fit_seconds=1.0)


def test_leaderboard_selects_the_best_mean_outer_fold_score():
    search = pd.concat(
        [
            _search_rows("knn", [0.9, 0.9, 0.9, 0.9, 0.1], holdout_probability=0.9),  # mean 0.8
            _search_rows("svc", [0.9, 0.9, 0.9, 0.9, 0.9], holdout_probability=0.1),  # mean 1.0
        ]
    )
    board = leaderboard(search)
    assert board["is_selected"].sum() == 1
    assert selected_family(board) == "svc"  # despite its worse holdout score
    scores = board.set_index("model_family")
    assert scores.loc["svc", "cv_roc_auc_mean"] == 1.0
    assert scores.loc["knn", "cv_roc_auc_mean"] == pytest.approx(0.8)
    assert scores.loc["knn", "holdout_roc_auc"] == 1.0
    assert list(board["cv_rank"]) == [1, 2]


def test_best_params_survive_json():
    params = {SCALER_PARAM: RobustScaler(), "model__C": np.float64(0.25), "model__p": np.int64(1)}
    text = json.dumps(params_to_json_ready(params))
    restored = params_from_json_ready(json.loads(text))
    assert isinstance(restored[SCALER_PARAM], RobustScaler)
    assert restored["model__C"] == 0.25 and restored["model__p"] == 1
    assert params_from_json_ready({SCALER_PARAM: "passthrough"})[SCALER_PARAM] == "passthrough"
