"""The kept model: the selected family, tuned by CV on the model sample, fitted on all of it.

customers here is the model sample (ml.model_sample): at the delivered data, every customer.
"""

import hashlib
import json
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sklearn
from joblib import Parallel, delayed

from one_click.log import get_logger
from one_click.ml.candidates import params_to_json_ready
from one_click.ml.drift import feature_distributions
from one_click.ml.features import (
    FEATURES,
    ID_COLUMN,
    POSITIVE_CLASS,
    POSITIVE_CLASS_MEANING,
    TARGET,
    encode_target,
    feature_frame,
    sort_customers,
)
from one_click.ml.folds import FINAL_SEARCH_FOLDS
from one_click.ml.persist import (
    ARTIFACT_NAME,
    FOLD_CUSTOMERS_NAME,
    FOLD_MODELS_NAME,
    METADATA_NAME,
    MODEL_FILES,
    check_compatible,
    data_fingerprint,
    load_metadata,
    load_model,
    save_fold_models,
    save_model,
)
from one_click.ml.selection import (
    OUTER_FOLD,
    evaluation_folds,
    fit_tuned,
    refit_fold,
    selected_family,
    tune,
)

# the leaderboard's metrics of the selected family, copied into the model's metadata
REPORTED_METRICS = [
    "cv_roc_auc_mean",
    "cv_roc_auc_std",
    "holdout_roc_auc",
    "oof_roc_auc",
    "oof_brier_score",
    "oof_calibration_error",
]

CHURN_MODEL_DTYPES = {
    "version": "string",
    "trained_at": "datetime64[us, UTC]",
    "data_fingerprint": "string",
    "model_family": "string",
    "best_params": "string",
    "artifact_path": "string",
    "metadata_path": "string",
    "customers": "int32",
    "positive_class": "string",
    "features": "string",
    "cv_roc_auc_mean": "float64",
    "oof_roc_auc": "float64",
    "oof_brier_score": "float64",
    "holdout_roc_auc": "float64",
    "final_search_roc_auc": "float64",
    "metrics": "string",
    "training_month": "string",
    "trained_in_this_build": "bool",
}


def train_final_model(customers: pd.DataFrame, family: str, seed: int, n_jobs: int):
    """Tune the family by cross-validation on the customers, fit it on all; (model, search)."""
    customers = sort_customers(customers)
    X, y = feature_frame(customers), encode_target(customers)
    search = tune(family, X, y, seed, n_jobs=n_jobs, folds=FINAL_SEARCH_FOLDS)
    return fit_tuned(family, search.best_params_, X, y, seed), search


def outer_fold_models(
    customers: pd.DataFrame, search: pd.DataFrame, family: str, seed: int, n_jobs: int
) -> tuple[list, pd.DataFrame]:
    """The selected family's outer-fold models, rebuilt from the parameters the search recorded
    (each checked to reproduce its fold's out-of-fold scores, selection.refit_fold), in fold
    order from 1, and the fold of every customer (customer_id, fold): the fold whose model did
    not train on them."""
    customers = sort_customers(customers)
    X, y = feature_frame(customers), encode_target(customers)
    ids = customers[ID_COLUMN].to_numpy()
    folds = evaluation_folds(customers, search, family, OUTER_FOLD, seed)
    models = Parallel(n_jobs=max(1, min(int(n_jobs), len(folds))))(
        delayed(refit_fold)(family, rows, X, y, train, test, seed) for _, train, test, rows in folds
    )
    fold_of = pd.concat(
        [pd.DataFrame({ID_COLUMN: ids[test], "fold": fold}) for fold, _, test, _ in folds],
        ignore_index=True,
    ).sort_values(ID_COLUMN)
    return models, fold_of.reset_index(drop=True)


def keep_selected_model(
    customers: pd.DataFrame,
    board: pd.DataFrame,
    directory: Path,
    *,
    search: pd.DataFrame,
    seed: int,
    n_jobs: int,
    month: str,
    drift_bins: int,
    layout: dict,
) -> pd.DataFrame:
    """Train the leaderboard's selected family on the customers (the model sample), save it,
    describe it in a row.

    The version is derived from what determines the model (data, family, parameters, library
    versions, seed), so two builds on the same data keep the same version; trained_at differs.
    The metadata also keeps the month of the delivery it was trained on, the layout it serves
    (persist.serving_layout: features, periods, derived features) and each feature's
    distribution on the training customers (drift_bins bins; one_click.ml.drift), which later
    builds compare against. seed, n_jobs (the worker count), month, drift_bins and the layout's
    vars come from the caller (the dbt model's meta). The selected family's outer-fold models
    (rebuilt from `search`, candidate_search) are kept beside it with the fold of each training
    customer, so that score mode scores a training customer by a model that did not see them.
    """
    logger = get_logger()
    family = selected_family(board)
    started = time.perf_counter()
    model, final_search = train_final_model(customers, family, seed, n_jobs)
    training_frame = sort_customers(customers)[[ID_COLUMN, TARGET, *FEATURES]]
    fingerprint = data_fingerprint(training_frame)
    params = params_to_json_ready(final_search.best_params_)
    selected = board[board["model_family"] == family].iloc[0]
    metrics = {name: float(selected[name]) for name in REPORTED_METRICS}
    metrics["final_search_roc_auc"] = float(final_search.best_score_)
    libraries = {"scikit-learn": sklearn.__version__, "pandas": pd.__version__}
    version = hashlib.sha256(
        json.dumps([fingerprint, family, params, libraries, seed], sort_keys=True).encode()
    ).hexdigest()[:12]
    trained_at = datetime.now(UTC)
    metadata = {
        "version": version,
        "trained_at": trained_at.isoformat(),
        "data_fingerprint": fingerprint,
        "model_family": family,
        "best_params": params,
        "features": FEATURES,
        "positive_class": {"label": POSITIVE_CLASS, "meaning": POSITIVE_CLASS_MEANING},
        "customers": len(training_frame),
        "random_seed": seed,
        "metrics": metrics,
        "metrics_note": (
            "cv_*, oof_*: nested cross-validation (out-of-fold); holdout_roc_auc: tuned on the "
            f"stratified 75 % (random_state={seed}), scored on the 25 %; final_search_roc_auc: the "
            "search that tuned this model, scored on the rows that tuned it (optimistic)"
        ),
        "libraries": libraries,
        "training_month": month,
        "layout": layout,
        "feature_distributions": feature_distributions(training_frame, drift_bins),
    }
    metadata["fold_models"] = {"file": FOLD_MODELS_NAME, "customers_file": FOLD_CUSTOMERS_NAME}
    folds, fold_of = outer_fold_models(customers, search, family, seed, n_jobs)
    # the worker processes write the two files at once: skops walks a model in Python for
    # seconds, which here would hold the GIL that dbt's other threads need
    (artifact, described), _ = Parallel(n_jobs=max(1, min(2, int(n_jobs))))(
        [
            delayed(save_model)(model, directory, metadata),
            delayed(save_fold_models)(folds, fold_of, directory),
        ]
    )
    logger.info(
        f"kept model {family} {version} ({time.perf_counter() - started:.1f} s): {artifact}"
    )
    return model_row(metadata, artifact, described, trained_in_this_build=True)


def model_row(metadata: dict, artifact: Path, described: Path, trained_in_this_build: bool):
    """ml.churn_model's one row, from the model's metadata and its two files."""
    metrics = metadata["metrics"]
    row = {
        "version": metadata["version"],
        "trained_at": pd.Timestamp(metadata["trained_at"]),
        "data_fingerprint": metadata["data_fingerprint"],
        "model_family": metadata["model_family"],
        "best_params": json.dumps(metadata["best_params"], sort_keys=True),
        # relative to the warehouse file's directory: still right once the refresh publishes
        # the file and its model/ directory elsewhere
        "artifact_path": Path(artifact).relative_to(Path(artifact).parent.parent).as_posix(),
        "metadata_path": Path(described).relative_to(Path(described).parent.parent).as_posix(),
        "customers": metadata["customers"],
        "positive_class": metadata["positive_class"]["meaning"],
        "features": json.dumps(metadata["features"]),
        "cv_roc_auc_mean": metrics["cv_roc_auc_mean"],
        "oof_roc_auc": metrics["oof_roc_auc"],
        "oof_brier_score": metrics["oof_brier_score"],
        "holdout_roc_auc": metrics["holdout_roc_auc"],
        "final_search_roc_auc": metrics["final_search_roc_auc"],
        "metrics": json.dumps(metrics, sort_keys=True),
        "training_month": metadata.get("training_month"),
        "trained_in_this_build": trained_in_this_build,
    }
    return pd.DataFrame([row]).astype(CHURN_MODEL_DTYPES)


def keep_published_model(kept_directory: Path, directory: Path, layout: dict) -> pd.DataFrame:
    """Score mode: the kept model of a published warehouse (kept_directory, its model/) becomes
    this build's, copied byte for byte into `directory`; nothing is trained.

    Raises persist.IncompatibleModel when that model cannot serve customers of `layout`
    (persist.serving_layout; check_compatible), FileNotFoundError when there is none."""
    kept_directory, directory = Path(kept_directory), Path(directory)
    artifact = kept_directory / ARTIFACT_NAME
    if not artifact.is_file():
        raise FileNotFoundError(
            f"score mode: no kept model at {artifact}; train one first (make build)"
        )
    metadata = load_metadata(artifact)
    check_compatible(metadata, layout, load_model(artifact), source=kept_directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in MODEL_FILES:
        if (kept_directory / name).is_file():  # a model kept without fold models has two
            shutil.copyfile(kept_directory / name, directory / name)
    get_logger().info(
        f"score mode: kept model {metadata['model_family']} {metadata['version']} (trained on"
        f" {metadata.get('training_month')}) copied from {kept_directory}, not retrained"
    )
    return model_row(
        metadata, directory / ARTIFACT_NAME, directory / METADATA_NAME, trained_in_this_build=False
    )
