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
    scoring_time,
    selected_family,
)
from one_click.project import setting

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it


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
    search = run_candidate_search(customers, families=["knn"], n_jobs=1, seed=SEED)
    oof = candidate_predictions(search)
    assert roc_auc_score(oof["activity_declined"], oof["oof_probability"]) < 0.7

    X, y = feature_frame(sort_customers(customers)), encode_target(sort_customers(customers))
    memorising = {"model__n_neighbors": 5, "model__weights": "distance"}
    in_sample = fit_tuned("knn", memorising, X, y, SEED, calibrate=False).predict_proba(X)[:, 1]
    assert roc_auc_score(y, in_sample) > 0.99  # the same model scoring its own training rows

    for _, train, test, rows in evaluation_folds(customers, search, "knn", OUTER_FOLD, SEED):
        assert not set(train) & set(test)
        refit_fold("knn", rows, X, y, train, test, SEED)  # trained on `train` only; raises if not


def test_every_customer_scored_once_per_family(customers, quick_search):
    search = run_candidate_search(customers, families=["logistic_regression"], n_jobs=1, seed=SEED)
    oof = candidate_predictions(search)
    assert len(oof) == len(customers)
    assert not oof.duplicated(["model_family", "customer_id"]).any()
    assert set(oof["customer_id"]) == set(customers["customer_id"])
    assert set(oof["outer_fold"]) == {1, 2, 3, 4, 5}


def test_holdout_is_the_common_75_25_split(customers, quick_search):
    y = encode_target(sort_customers(customers))
    _, expected = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=42)
    train, test = holdout_split(y, SEED)
    assert np.array_equal(test, np.sort(expected))
    assert not set(train) & set(test) and len(train) + len(test) == len(y)

    search = run_candidate_search(customers, families=["decision_tree"], n_jobs=1, seed=SEED)
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
    first = run_candidate_search(customers, families=["soft_voting"], n_jobs=1, seed=SEED)
    shuffled = customers.sample(frac=1, random_state=7)
    second = run_candidate_search(shuffled, families=["soft_voting"], n_jobs=1, seed=SEED)
    timings = ["fit_seconds", "scoring_seconds"]
    pd.testing.assert_frame_equal(first.drop(columns=timings), second.drop(columns=timings))


def _search_rows(family, fold_probabilities, holdout_probability, scoring_seconds=0.001):
    """Four customers per outer fold and two held out; scoring_seconds per fold's 4 customers."""
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
    return frame.assign(
        best_params='{"model__C": 1}',
        inner_cv_roc_auc=0.5,
        fit_seconds=1.0,
        scoring_seconds=scoring_seconds,
    )


def test_leaderboard_selects_the_best_mean_outer_fold_score():
    search = pd.concat(
        [
            _search_rows("knn", [0.9, 0.9, 0.9, 0.9, 0.1], holdout_probability=0.9),  # mean 0.8
            _search_rows("svc", [0.9, 0.9, 0.9, 0.9, 0.9], holdout_probability=0.1),  # mean 1.0
        ]
    )
    board = leaderboard(search, all_customers=1000, scoring_budget_seconds=60)
    assert board["is_selected"].sum() == 1
    assert selected_family(board) == "svc"  # despite its worse holdout score
    scores = board.set_index("model_family")
    assert scores.loc["svc", "cv_roc_auc_mean"] == 1.0
    assert scores.loc["knn", "cv_roc_auc_mean"] == pytest.approx(0.8)
    assert scores.loc["knn", "holdout_roc_auc"] == 1.0
    assert list(board["cv_rank"]) == [1, 2]
    assert list(board["selection_rank"]) == [1, 2]
    assert (board["sample_customers"] == 20).all() and (board["all_customers"] == 1000).all()


def _two_families(knn_seconds, svc_seconds):
    """knn the better family by ROC-AUC (mean 1.0 against 0.8), each with its scoring time."""
    return pd.concat(
        [
            _search_rows("knn", [0.9] * 5, 0.9, scoring_seconds=knn_seconds),
            _search_rows("svc", [0.9, 0.9, 0.9, 0.9, 0.1], 0.9, scoring_seconds=svc_seconds),
        ]
    )


def test_scoring_cost_is_projected_to_all_customers():
    # 0.004 s for a fold's 4 customers: 1 s per 1,000; 5/4 of it for the kept model
    board = leaderboard(_two_families(0.004, 0.004), 100_000, 1000).set_index("model_family")
    assert board.loc["knn", "scoring_seconds_per_1000"] == pytest.approx(1.0)
    assert board.loc["knn", "projected_scoring_seconds"] == pytest.approx(100 * 1.25)


def test_a_family_over_the_scoring_budget_is_not_selected_despite_the_best_roc_auc():
    # knn: 1 s per 1,000 customers, 125 s for 100,000; svc: 0.01 s per 1,000
    board = leaderboard(_two_families(0.004, 0.00004), 100_000, scoring_budget_seconds=60)
    scores = board.set_index("model_family")
    assert scores.loc["knn", "cv_rank"] == 1 and not scores.loc["knn", "fits_scoring_budget"]
    assert selected_family(board) == "svc"
    assert scores.loc["svc", "selection_rank"] == 1 and scores.loc["knn", "selection_rank"] == 2


def test_within_the_budget_the_best_roc_auc_wins_however_slow():
    # knn costs 100 times more than svc, but fits: ROC-AUC decides
    board = leaderboard(_two_families(0.004, 0.00004), 1_000, scoring_budget_seconds=60)
    assert board["fits_scoring_budget"].all()
    assert selected_family(board) == "knn"


def test_when_no_family_fits_the_fastest_is_selected():
    board = leaderboard(_two_families(0.004, 0.002), 1_000_000, scoring_budget_seconds=1)
    assert not board["fits_scoring_budget"].any()
    assert selected_family(board) == "svc"  # 0.5 s per 1,000 against knn's 1 s


def test_scoring_time_is_measured_per_customer_on_a_large_batch(customers):
    X, y = feature_frame(customers), encode_target(customers)
    model = fit_tuned("logistic_regression", {}, X, y, SEED)
    calls = []

    class Counting:
        def predict_proba(self, rows):
            calls.append(len(rows))
            return model.predict_proba(rows)

    seconds = scoring_time(Counting(), X.head(10), rows=500)
    assert calls == [500] and seconds > 0


def test_best_params_survive_json():
    params = {SCALER_PARAM: RobustScaler(), "model__C": np.float64(0.25), "model__p": np.int64(1)}
    text = json.dumps(params_to_json_ready(params))
    restored = params_from_json_ready(json.loads(text))
    assert isinstance(restored[SCALER_PARAM], RobustScaler)
    assert restored["model__C"] == 0.25 and restored["model__p"] == 1
    assert params_from_json_ready({SCALER_PARAM: "passthrough"})[SCALER_PARAM] == "passthrough"
