"""Honest model selection: nested cross-validation, the common 75/25 split, the leaderboard.

Nested CV: the outer StratifiedKFold splits the customers; on each outer training part an inner
RandomizedSearchCV (ROC-AUC) tunes the family's hyperparameters and scaler, the tuned pipeline
(calibrated) is fitted on that part and scores the outer test part it never saw. Every customer so
gets one out-of-fold probability per family, and the score that selects a family (the mean of
the outer folds' ROC-AUC) is never computed on rows that tuned it.

The 75/25 split (train_test_split(..., test_size=0.25, stratify=y, random_state=seed)) is, at
the default seed (42), the one published solutions use: the family is tuned on the 75 % and
scored once on the 25 %.

All of it runs on the model sample (one_click.ml.sampling, at most var model_sample_size
customers); every other customer is scored by the kept model, which is tuned and fitted on that
sample too.

The selection rule (leaderboard), cost first, then ROC-AUC:
1. Every fit's scoring is timed on one thread, on a batch of SCORING_PROBE_ROWS customers (its
   test part repeated), and recorded per test part (candidate_search.scoring_seconds). A
   family's scoring cost is the median over the outer folds of those seconds per 1,000
   customers, and its projected scoring time is that cost x all customers / 1,000 x 5/4: the
   kept model trains on the whole sample, the outer-fold models on 4/5 of it, and the scoring
   cost of neighbours and kernels grows in proportion to the training set (for trees and linear
   models the 5/4 over-estimates a little).
2. A family fits the budget when its projected scoring time is at most var
   scoring_budget_seconds. Among the families that fit, the best mean outer-fold ROC-AUC is
   selected (exact ties to the family listed first in candidates.py). Near-ties are not broken
   by cost: the gaps between the leading families are smaller than the spread of the ROC-AUC over
   the outer folds, and a rule that preferred the cheaper of two near-equal families would let
   timing noise choose the model.
3. If no family fits, the one with the smallest projected scoring time is selected (the build
   goes on, and the leaderboard shows fits_scoring_budget false for all).
"""

import json
import time
import warnings

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RandomizedSearchCV, StratifiedKFold, train_test_split
from threadpoolctl import threadpool_limits

from one_click.log import get_logger
from one_click.ml.candidates import (
    CANDIDATES,
    FAMILIES,
    build_pipeline,
    calibrated,
    costliest_first,
    params_from_json_ready,
    params_to_json_ready,
    search_space,
)
from one_click.ml.features import (
    ID_COLUMN,
    TARGET,
    assert_model_positive_class,
    encode_target,
    feature_frame,
    sort_customers,
)
from one_click.ml.folds import HOLDOUT_SIZE, INNER_FOLDS, OUTER_FOLDS
from one_click.ml.gate import CONFIDENCE
from one_click.ml.metrics import brier_score, delong_interval, expected_calibration_error

OUTER_FOLD = "outer_fold"
HOLDOUT = "holdout"
# rows the scoring time of a fit is measured on (its test rows repeated): about the cost per
# customer of customer_scores' batches, without the fixed cost of a call on a small fold
SCORING_PROBE_ROWS = 5_000
# the kept model trains on all of the sample, an outer-fold model on (OUTER_FOLDS - 1) /
# OUTER_FOLDS of it: the factor by which a scoring cost that grows with the training set grows
KEPT_MODEL_TRAINING_GROWTH = OUTER_FOLDS / (OUTER_FOLDS - 1)

SEARCH_DTYPES = {
    "model_family": "string",
    "evaluation": "string",
    "fold": "int32",
    ID_COLUMN: "int32",
    TARGET: "bool",
    "probability": "float64",
    "best_params": "string",
    "inner_cv_roc_auc": "float64",
    "fit_seconds": "float64",
    "scoring_seconds": "float64",
}


def outer_splits(y, seed: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(fold number from 1, training positions, test positions) of the outer StratifiedKFold."""
    folds = StratifiedKFold(OUTER_FOLDS, shuffle=True, random_state=seed)
    return [
        (number, train, test)
        for number, (train, test) in enumerate(folds.split(np.zeros(len(y)), y), start=1)
    ]


def holdout_split(y, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training and test positions of the common stratified 75/25 split, each in row order."""
    train, test = train_test_split(
        np.arange(len(y)), test_size=HOLDOUT_SIZE, stratify=y, random_state=seed
    )
    return np.sort(train), np.sort(test)


def tune(family: str, X: pd.DataFrame, y, seed: int, n_jobs: int = 1, folds=None):
    """RandomizedSearchCV of the family on (X, y), ROC-AUC, stratified inner folds; not refitted.

    A logistic regression on unscaled numbers (scaler "passthrough") stops at max_iter before it
    converges: it is slow to fit and scores worse, and the search drops it. The warning says
    nothing more, so it is silenced here.

    Fits run on one thread: on a thousand rows BLAS/OpenMP threads cost more than they give
    (a logistic regression fit is four times slower on two threads here); parallelism is across
    fits (n_jobs, the outer loop).
    """
    search = RandomizedSearchCV(
        build_pipeline(family, seed),
        search_space(family),
        n_iter=CANDIDATES[family].n_iter,
        scoring="roc_auc",
        cv=StratifiedKFold(folds or INNER_FOLDS, shuffle=True, random_state=seed),
        refit=False,
        random_state=seed,
        n_jobs=n_jobs,
    )
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return search.fit(X, y)


def fit_tuned(family: str, params: dict, X: pd.DataFrame, y, seed: int, calibrate: bool = True):
    """The family's pipeline with these parameters, calibrated and fitted on (X, y).

    calibrate=False leaves the pipeline's own probabilities (for measuring what calibration buys;
    families without predict_proba, such as svc, need it).
    """
    pipeline = build_pipeline(family, seed).set_params(**params)
    with threadpool_limits(limits=1):
        model = (calibrated(pipeline, seed) if calibrate else pipeline).fit(X, y)
    assert_model_positive_class(model)
    return model


def decline_probability(model, X: pd.DataFrame) -> np.ndarray:
    """Probability of the positive class (activity declined)."""
    assert_model_positive_class(model)
    return model.predict_proba(X)[:, 1]


def scoring_time(model, X: pd.DataFrame, rows: int | None = None) -> float:
    """Seconds the model takes to score len(X) customers, measured on one thread on a batch of
    at least `rows` (default SCORING_PROBE_ROWS; X's rows repeated), the way customer_scores
    scores: large batches, so the fixed cost of a call does not count as cost per customer."""
    rows = SCORING_PROBE_ROWS if rows is None else rows
    probe = X.iloc[np.resize(np.arange(len(X)), max(rows, len(X)))]
    with threadpool_limits(limits=1):
        started = time.perf_counter()
        model.predict_proba(probe)
        seconds = time.perf_counter() - started
    return seconds * len(X) / len(probe)


def _evaluate(family, evaluation, fold, train, test, X, y, seed, calibrate=True):
    """Tune on the training positions, fit, score the test positions: one row per test customer."""
    started = time.perf_counter()
    search = tune(family, X.iloc[train], y[train], seed)
    model = fit_tuned(family, search.best_params_, X.iloc[train], y[train], seed, calibrate)
    probability = decline_probability(model, X.iloc[test])
    scoring_seconds = scoring_time(model, X.iloc[test])
    return {
        "model_family": family,
        "evaluation": evaluation,
        "fold": fold,
        "positions": test,
        "probability": probability,
        "best_params": json.dumps(params_to_json_ready(search.best_params_), sort_keys=True),
        "inner_cv_roc_auc": float(search.best_score_),
        "fit_seconds": time.perf_counter() - started,
        "scoring_seconds": scoring_seconds,
    }


def run_candidate_search(
    customers: pd.DataFrame,
    families: list[str] | None = None,
    *,
    seed: int,
    n_jobs: int,
    calibrate: bool = True,
) -> pd.DataFrame:
    """Nested CV and the 75/25 evaluation of every family, run once.

    Returns one row per (model_family, evaluation, scored customer): evaluation 'outer_fold'
    (fold 1..5, every customer once per family) or 'holdout' (fold 0, the 25 % test part), with
    the probability, the parameters the inner search chose for that fit, its wall time and the
    measured scoring time of its test part (scoring_time). customers: the model sample; seed:
    the project's one seed (var random_seed), which draws the outer folds, the 75/25 split, the
    inner searches and the calibration folds; n_jobs: the worker processes (var workers).
    """
    logger = get_logger()
    customers = sort_customers(customers)
    X, y = feature_frame(customers), encode_target(customers)
    families = costliest_first(families or FAMILIES)
    holdout_train, holdout_test = holdout_split(y, seed)
    tasks = [
        (family, OUTER_FOLD, fold, train, test)
        for family in families
        for fold, train, test in outer_splits(y, seed)
    ] + [(family, HOLDOUT, 0, holdout_train, holdout_test) for family in families]
    logger.info(
        f"candidate search: {len(families)} families x ({OUTER_FOLDS} outer folds + 75/25 split)"
        f" = {len(tasks)} tuned fits on {len(y)} customers, {n_jobs} workers"
    )
    started = time.perf_counter()
    results = []
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    for result in parallel(delayed(_evaluate)(*task, X, y, seed, calibrate) for task in tasks):
        results.append(result)
        auc = roc_auc_score(y[result["positions"]], result["probability"])
        where = (
            f"outer fold {result['fold']}/{OUTER_FOLDS}"
            if result["evaluation"] == OUTER_FOLD
            else "75/25 split"
        )
        logger.info(
            f"candidate search [{len(results)}/{len(tasks)}] {result['model_family']} {where}:"
            f" ROC-AUC {auc:.4f} in {result['fit_seconds']:.1f} s"
            f" ({time.perf_counter() - started:.0f} s elapsed)"
        )
    frames = [
        pd.DataFrame(
            {
                "model_family": result["model_family"],
                "evaluation": result["evaluation"],
                "fold": result["fold"],
                ID_COLUMN: customers[ID_COLUMN].to_numpy()[result["positions"]],
                TARGET: y[result["positions"]] == 1,
                "probability": result["probability"],
                "best_params": result["best_params"],
                "inner_cv_roc_auc": result["inner_cv_roc_auc"],
                "fit_seconds": result["fit_seconds"],
                "scoring_seconds": result["scoring_seconds"],
            }
        )
        for result in results
    ]
    search = pd.concat(frames, ignore_index=True).astype(SEARCH_DTYPES)
    # worker completion order varies between runs; the table must not
    return search.sort_values(["model_family", "evaluation", "fold", ID_COLUMN]).reset_index(
        drop=True
    )


def candidate_predictions(search: pd.DataFrame) -> pd.DataFrame:
    """The out-of-fold probability of every customer under every family (nested CV)."""
    oof = search[search["evaluation"] == OUTER_FOLD]
    return (
        oof.rename(columns={"probability": "oof_probability", "fold": "outer_fold"})[
            ["model_family", ID_COLUMN, TARGET, "oof_probability", "outer_fold"]
        ]
        .sort_values(["model_family", ID_COLUMN])
        .reset_index(drop=True)
        .astype(
            {
                "model_family": "string",
                ID_COLUMN: "int32",
                TARGET: "bool",
                "oof_probability": "float64",
                "outer_fold": "int32",
            }
        )
    )


LEADERBOARD_DTYPES = {
    "model_family": "string",
    "best_params": "string",
    "cv_roc_auc_mean": "float64",
    "cv_roc_auc_std": "float64",
    "holdout_roc_auc": "float64",
    "oof_roc_auc": "float64",
    "oof_roc_auc_lower": "float64",
    "oof_roc_auc_upper": "float64",
    "oof_brier_score": "float64",
    "oof_calibration_error": "float64",
    "fit_seconds": "float64",
    "cv_rank": "int32",
    "is_selected": "bool",
    "sample_customers": "int64",
    "all_customers": "int64",
    "scoring_seconds_per_1000": "float64",
    "projected_scoring_seconds": "float64",
    "fits_scoring_budget": "bool",
    "selection_rank": "int32",
}


def leaderboard(search: pd.DataFrame, all_customers: int, scoring_budget_seconds: float):
    """One row per family; the selected one is the best mean outer-fold ROC-AUC among the
    families whose projected scoring time fits the budget (the rule: see the module docstring).

    all_customers: how many customers the build scores (customer_features), for the projection.
    best_params are the ones tuned on the 75 % part (those holdout_roc_auc scores); the outer
    folds each tuned their own (see candidate_search). oof_* are over the sample's out-of-fold
    probabilities pooled (calibration error: see scoring.expected_calibration_error;
    oof_roc_auc_lower and _upper: its 95 % DeLong interval, which the quality gate reads,
    one_click.ml.gate);
    fit_seconds is the wall time of all the family's tuned fits. cv_rank ranks by ROC-AUC alone,
    selection_rank by the rule (1 = selected).
    """
    rows = []
    for family, family_rows in search.groupby("model_family", sort=True):
        oof = family_rows[family_rows["evaluation"] == OUTER_FOLD]
        holdout = family_rows[family_rows["evaluation"] == HOLDOUT]
        fold_aucs = [
            roc_auc_score(fold_rows[TARGET].astype(int), fold_rows["probability"])
            for _, fold_rows in oof.groupby("fold")
        ]
        folds = oof.groupby("fold").agg(
            seconds=("scoring_seconds", "first"), scored=(ID_COLUMN, "size")
        )
        per_1000 = float(np.median(folds["seconds"] / folds["scored"] * 1000))
        _, lower, upper = delong_interval(oof[TARGET], oof["probability"], CONFIDENCE)
        rows.append(
            {
                "model_family": family,
                "best_params": _single(holdout["best_params"]),
                "cv_roc_auc_mean": float(np.mean(fold_aucs)),
                "cv_roc_auc_std": float(np.std(fold_aucs, ddof=1)),
                "holdout_roc_auc": roc_auc_score(
                    holdout[TARGET].astype(int), holdout["probability"]
                ),
                "oof_roc_auc": roc_auc_score(oof[TARGET].astype(int), oof["probability"]),
                "oof_roc_auc_lower": lower,
                "oof_roc_auc_upper": upper,
                "oof_brier_score": brier_score(oof[TARGET], oof["probability"]),
                "oof_calibration_error": expected_calibration_error(
                    oof[TARGET], oof["probability"]
                ),
                "fit_seconds": float(
                    family_rows.groupby(["evaluation", "fold"])["fit_seconds"].first().sum()
                ),
                "sample_customers": oof[ID_COLUMN].nunique(),
                "all_customers": int(all_customers),
                "scoring_seconds_per_1000": per_1000,
                "projected_scoring_seconds": (
                    per_1000 * int(all_customers) / 1000 * KEPT_MODEL_TRAINING_GROWTH
                ),
            }
        )
    board = pd.DataFrame(rows)
    listed = board["model_family"].map(FAMILIES.index)
    # ties (none expected) go to the family listed first in CANDIDATES
    by_auc = board.assign(listed=listed).sort_values(
        ["cv_roc_auc_mean", "listed"], ascending=[False, True]
    )
    board["cv_rank"] = pd.Series(range(1, len(board) + 1), index=by_auc.index)
    board["fits_scoring_budget"] = board["projected_scoring_seconds"] <= scoring_budget_seconds
    # the families that fit by ROC-AUC, best first; then the others by projected time, cheapest
    by_rule = board.assign(
        over_budget=~board["fits_scoring_budget"],
        key=np.where(
            board["fits_scoring_budget"],
            -board["cv_roc_auc_mean"],
            board["projected_scoring_seconds"],
        ),
        listed=listed,
    ).sort_values(["over_budget", "key", "listed"])
    board["selection_rank"] = pd.Series(range(1, len(board) + 1), index=by_rule.index)
    board["is_selected"] = board["selection_rank"] == 1
    return (
        board.sort_values("selection_rank")
        .reset_index(drop=True)[list(LEADERBOARD_DTYPES)]
        .astype(LEADERBOARD_DTYPES)
    )


def with_intervals(board: pd.DataFrame, search: pd.DataFrame) -> pd.DataFrame:
    """A kept leaderboard with the interval of each family's oof_roc_auc (oof_roc_auc_lower,
    _upper), computed from its search when the board was kept before they were recorded."""
    if {"oof_roc_auc_lower", "oof_roc_auc_upper"} <= set(board.columns):
        return board
    oof = search[search["evaluation"] == OUTER_FOLD]
    intervals = {
        family: delong_interval(rows[TARGET], rows["probability"], CONFIDENCE)[1:]
        for family, rows in oof.groupby("model_family")
    }
    board = board.copy()
    board["oof_roc_auc_lower"] = board["model_family"].map(lambda f: intervals[f][0])
    board["oof_roc_auc_upper"] = board["model_family"].map(lambda f: intervals[f][1])
    return board


def selected_family(board: pd.DataFrame) -> str:
    """The family marked is_selected in the leaderboard (exactly one)."""
    chosen = board.loc[board["is_selected"].astype(bool), "model_family"].tolist()
    if len(chosen) != 1:
        raise ValueError(f"the leaderboard must select exactly one family, got {chosen}")
    return str(chosen[0])


def evaluation_folds(
    customers: pd.DataFrame, search: pd.DataFrame, family: str, evaluation: str, seed: int
) -> list[tuple[int, np.ndarray, np.ndarray, pd.DataFrame]]:
    """The folds of one family's evaluation as the search ran them, ready to refit.

    For each fold: (fold, training positions, test positions, the search's rows of the fold),
    positions into sort_customers(customers). Raises if the splits differ from the search's.
    """
    customers = sort_customers(customers)
    y = encode_target(customers)
    splits = outer_splits(y, seed) if evaluation == OUTER_FOLD else [(0, *holdout_split(y, seed))]
    rows = search[(search["model_family"] == family) & (search["evaluation"] == evaluation)]
    folds = []
    for fold, train, test in splits:
        fold_rows = rows[rows["fold"] == fold].set_index(ID_COLUMN)
        test_ids = customers[ID_COLUMN].to_numpy()[test]
        if set(fold_rows.index) != set(test_ids):
            raise ValueError(f"{family} {evaluation} {fold}: the split differs from the search's")
        folds.append((fold, train, test, fold_rows.loc[test_ids]))
    return folds


def refit_fold(family: str, fold_rows: pd.DataFrame, X: pd.DataFrame, y, train, test, seed: int):
    """Rebuild the model that scored one fold, from the parameters the search recorded.

    Same parameters, same training rows, same seed: it must reproduce the recorded
    probabilities of the fold's customers; a mismatch raises.
    """
    params = params_from_json_ready(json.loads(_single(fold_rows["best_params"])))
    model = fit_tuned(family, params, X.iloc[train], y[train], seed)
    recorded = fold_rows["probability"].to_numpy(dtype=float)
    if not np.allclose(decline_probability(model, X.iloc[test]), recorded, rtol=0, atol=1e-9):
        raise ValueError(f"{family}: the refit model does not reproduce the search's scores")
    return model


def refit_evaluation_models(
    customers: pd.DataFrame,
    search: pd.DataFrame,
    family: str,
    evaluation: str,
    seed: int,
) -> list[tuple[int, np.ndarray, np.ndarray, object]]:
    """Rebuild the fitted models of one family's evaluation without searching again:
    (fold, training positions, test positions, fitted model) for each fold."""
    customers = sort_customers(customers)
    X, y = feature_frame(customers), encode_target(customers)
    return [
        (fold, train, test, refit_fold(family, rows, X, y, train, test, seed))
        for fold, train, test, rows in evaluation_folds(customers, search, family, evaluation, seed)
    ]


def _single(values: pd.Series):
    unique = pd.unique(values)
    if len(unique) != 1:
        raise ValueError(f"expected one value, got {list(unique)}")
    return unique[0]
