"""Honest model selection: nested cross-validation, the common 75/25 split, the leaderboard.

Nested CV: the outer StratifiedKFold splits the customers; on each outer training part an inner
RandomizedSearchCV (ROC-AUC) tunes the family's hyperparameters and scaler, the tuned pipeline
(calibrated) is fitted on that part and scores the outer test part it never saw. Every customer so
gets one out-of-fold probability per family, and the score that selects a family (the mean of
the outer folds' ROC-AUC) is never computed on rows that tuned it.

The 75/25 split (train_test_split(..., test_size=0.25, stratify=y, random_state=42)) is the one
published solutions use: the family is tuned on the 75 % and scored once on the 25 %.
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

from one_click.ml import RANDOM_SEED
from one_click.ml.candidates import (
    CANDIDATES,
    FAMILIES,
    build_pipeline,
    calibrated,
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
from one_click.ml.metrics import brier_score, expected_calibration_error
from one_click.ml.progress import get_logger

OUTER_FOLDS = 5
INNER_FOLDS = 3
HOLDOUT_SIZE = 0.25
OUTER_FOLD = "outer_fold"
HOLDOUT = "holdout"
# a family whose search costs more goes first, so the two workers finish together
_COST_ORDER = ["soft_voting", "svc", "knn", "logistic_regression", "decision_tree"]

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
}


def outer_splits(y, seed: int = RANDOM_SEED) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """(fold number from 1, training positions, test positions) of the outer StratifiedKFold."""
    folds = StratifiedKFold(OUTER_FOLDS, shuffle=True, random_state=seed)
    return [
        (number, train, test)
        for number, (train, test) in enumerate(folds.split(np.zeros(len(y)), y), start=1)
    ]


def holdout_split(y, seed: int = RANDOM_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Training and test positions of the common stratified 75/25 split, each in row order."""
    train, test = train_test_split(
        np.arange(len(y)), test_size=HOLDOUT_SIZE, stratify=y, random_state=seed
    )
    return np.sort(train), np.sort(test)


def tune(family: str, X: pd.DataFrame, y, seed: int = RANDOM_SEED, n_jobs: int = 1, folds=None):
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


def fit_tuned(
    family: str, params: dict, X: pd.DataFrame, y, seed: int = RANDOM_SEED, calibrate: bool = True
):
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


def _evaluate(family, evaluation, fold, train, test, X, y, seed, calibrate=True):
    """Tune on the training positions, fit, score the test positions: one row per test customer."""
    started = time.perf_counter()
    search = tune(family, X.iloc[train], y[train], seed)
    model = fit_tuned(family, search.best_params_, X.iloc[train], y[train], seed, calibrate)
    probability = decline_probability(model, X.iloc[test])
    return {
        "model_family": family,
        "evaluation": evaluation,
        "fold": fold,
        "positions": test,
        "probability": probability,
        "best_params": json.dumps(params_to_json_ready(search.best_params_), sort_keys=True),
        "inner_cv_roc_auc": float(search.best_score_),
        "fit_seconds": time.perf_counter() - started,
    }


def run_candidate_search(
    customers: pd.DataFrame,
    families: list[str] | None = None,
    n_jobs: int = 2,
    seed: int = RANDOM_SEED,
    calibrate: bool = True,
) -> pd.DataFrame:
    """Nested CV and the 75/25 evaluation of every family, run once.

    Returns one row per (model_family, evaluation, scored customer): evaluation 'outer_fold'
    (fold 1..5, every customer once per family) or 'holdout' (fold 0, the 25 % test part), with
    the probability, the parameters the inner search chose for that fit and its wall time.
    """
    logger = get_logger()
    customers = sort_customers(customers)
    X, y = feature_frame(customers), encode_target(customers)
    families = sorted(families or FAMILIES, key=_COST_ORDER.index)
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
    "oof_brier_score": "float64",
    "oof_calibration_error": "float64",
    "fit_seconds": "float64",
    "cv_rank": "int32",
    "is_selected": "bool",
}


def leaderboard(search: pd.DataFrame) -> pd.DataFrame:
    """One row per family; the selected one has the best mean outer-fold ROC-AUC.

    best_params are the ones tuned on the 75 % part (those holdout_roc_auc scores); the outer
    folds each tuned their own (see candidate_search). oof_* are over all customers' out-of-fold
    probabilities pooled (calibration error: see scoring.expected_calibration_error);
    fit_seconds is the wall time of all the family's tuned fits.
    """
    rows = []
    for family, family_rows in search.groupby("model_family", sort=True):
        oof = family_rows[family_rows["evaluation"] == OUTER_FOLD]
        holdout = family_rows[family_rows["evaluation"] == HOLDOUT]
        fold_aucs = [
            roc_auc_score(fold_rows[TARGET].astype(int), fold_rows["probability"])
            for _, fold_rows in oof.groupby("fold")
        ]
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
                "oof_brier_score": brier_score(oof[TARGET], oof["probability"]),
                "oof_calibration_error": expected_calibration_error(
                    oof[TARGET], oof["probability"]
                ),
                "fit_seconds": float(
                    family_rows.groupby(["evaluation", "fold"])["fit_seconds"].first().sum()
                ),
            }
        )
    board = pd.DataFrame(rows)
    # ties (none expected) go to the family listed first in CANDIDATES
    order = board.assign(listed=board["model_family"].map(FAMILIES.index)).sort_values(
        ["cv_roc_auc_mean", "listed"], ascending=[False, True]
    )
    board["cv_rank"] = pd.Series(range(1, len(order) + 1), index=order.index)
    board["is_selected"] = board["cv_rank"] == 1
    return board.sort_values("cv_rank").reset_index(drop=True).astype(LEADERBOARD_DTYPES)


def selected_family(board: pd.DataFrame) -> str:
    """The family marked is_selected in the leaderboard (exactly one)."""
    chosen = board.loc[board["is_selected"].astype(bool), "model_family"].tolist()
    if len(chosen) != 1:
        raise ValueError(f"the leaderboard must select exactly one family, got {chosen}")
    return str(chosen[0])


def evaluation_folds(
    customers: pd.DataFrame, search: pd.DataFrame, family: str, evaluation: str, seed=RANDOM_SEED
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


def refit_fold(
    family: str, fold_rows: pd.DataFrame, X: pd.DataFrame, y, train, test, seed=RANDOM_SEED
):
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
    seed: int = RANDOM_SEED,
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
