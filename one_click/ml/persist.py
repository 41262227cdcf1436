"""The kept model: skops file + metadata JSON beside the warehouse, loaded with a trusted list.

skops, not pickle: loading a pickle runs whatever code the file names. skops.io.load refuses
every type not listed in TRUSTED_TYPES (never trusted=True), so a tampered or unexpected file
fails to load instead of executing. skops (and with it scikit-learn) is imported only to save
or load a model, so that the refresh, which reads only names and checks from here, starts fast.

`load_model()` with no path loads the published one (warehouse/model/ of the project, see
one_click.project.project_dir), from any directory. `check_compatible` says whether a kept
model can serve the customers of a layout (serving_layout; score mode refuses it otherwise).
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from one_click.layout import MODEL_DIR, published
from one_click.ml.features import FEATURES
from one_click.project import project_dir

# the vars a kept model's layout records (serving_layout)
LAYOUT_VARS = ("revenue_periods", "site_time_periods", "derived_features")
ARTIFACT_NAME = "churn_model.skops"
METADATA_NAME = "churn_model.json"
# the outer-fold models of the selected family (a list, fold 1 first) and the fold of each of the
# kept model's training customers (customer_id, fold): score mode scores a training customer by
# the fold model that did not see them (ServedModels)
FOLD_MODELS_NAME = "churn_model.folds.skops"
FOLD_CUSTOMERS_NAME = "churn_model.folds.parquet"
MODEL_FILES = (ARTIFACT_NAME, METADATA_NAME, FOLD_MODELS_NAME, FOLD_CUSTOMERS_NAME)

# The types a kept model of any candidate family holds beyond those skops trusts by default
# (numpy arrays, builtins, the scikit-learn estimators it knows). Listed by hand, from
# skops.io.get_untrusted_types on a model of every family and scaler: a new family that needs
# more fails save_model and the round-trip test until its types are reviewed and added here.
TRUSTED_TYPES = [
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.tree._tree.Tree",
    "sklearn.utils._bunch.Bunch",
]


def model_directory(session) -> Path:
    """<directory of the warehouse file>/model, from the DuckDB session of a dbt Python model."""
    database_path = session.sql(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()[0]
    if not database_path:
        raise ValueError("the warehouse is an in-memory database: nowhere to keep the model")
    return Path(database_path).resolve().parent / MODEL_DIR


def data_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the training frame: column names, dtypes and every value, row order ignored."""
    canonical = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    digest = hashlib.sha256()
    digest.update(json.dumps([[c, str(t)] for c, t in canonical.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(canonical, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def save_model(model, directory: Path, metadata: dict) -> tuple[Path, Path]:
    """Write the model (skops) and its metadata (JSON) into directory; returns both paths."""
    import skops.io as sio  # here, not at the top: it imports scikit-learn (seconds)

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    artifact = directory / ARTIFACT_NAME
    sio.dump(model, artifact)
    untrusted = [
        name for name in sio.get_untrusted_types(file=artifact) if name not in TRUSTED_TYPES
    ]
    if untrusted:
        raise TypeError(f"the model holds types load_model would refuse: {untrusted}")
    described = directory / METADATA_NAME
    described.write_text(json.dumps(metadata, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return artifact, described


def save_fold_models(models: list, fold_of: pd.DataFrame, directory: Path) -> None:
    """Write the outer-fold models (skops, a list in fold order from 1) and the fold of every
    training customer (parquet: customer_id, fold) beside the kept model."""
    import skops.io as sio  # here, not at the top: it imports scikit-learn (seconds)

    directory = Path(directory)
    artifact = directory / FOLD_MODELS_NAME
    sio.dump(list(models), artifact)
    untrusted = [
        name for name in sio.get_untrusted_types(file=artifact) if name not in TRUSTED_TYPES
    ]
    if untrusted:
        raise TypeError(f"the fold models hold types load_fold_models would refuse: {untrusted}")
    folds = sorted(set(fold_of["fold"].astype(int)))
    if folds != list(range(1, len(models) + 1)):
        raise ValueError(f"folds {folds} do not match the {len(models)} fold models")
    fold_of[["customer_id", "fold"]].astype({"customer_id": "int32", "fold": "int32"}).to_parquet(
        directory / FOLD_CUSTOMERS_NAME, index=False
    )


class ServedModels:
    """The models that score customers in score mode: a customer the kept model trained on
    (fold_of: customer_id -> outer fold) by the outer-fold model that did not see them, every
    other customer by the kept model. Key 0 is the kept model, key k the model of fold k."""

    def __init__(self, kept, folds: list | None = None, fold_of: pd.Series | None = None):
        self.kept = kept
        self.folds = list(folds or [])
        self.fold_of = (
            pd.Series(dtype="int32") if fold_of is None or not self.folds else fold_of
        ).astype("int32")

    def keys(self, ids) -> np.ndarray:
        """The key of the model that scores each customer id (0: the kept model)."""
        return self.fold_of.reindex(np.asarray(ids)).fillna(0).to_numpy(dtype=int)

    def model(self, key: int):
        return self.kept if int(key) == 0 else self.folds[int(key) - 1]

    def decline_probability(self, ids, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(the probability of the positive class of each customer of X, whose ids are `ids`, by
        the model that serves them; their keys, 0 where the kept model scored)."""
        keys = self.keys(ids)
        probability = np.empty(len(X), dtype=float)
        for key in np.unique(keys):
            rows = keys == key
            probability[rows] = self.model(key).predict_proba(X[rows])[:, 1]
        return probability, keys


def load_fold_models(directory: Path, kept) -> ServedModels:
    """The kept model with its outer-fold models and their customers, from a model directory;
    the kept model alone (with a warning) when it was kept without them."""
    directory = Path(directory)
    artifact, customers = directory / FOLD_MODELS_NAME, directory / FOLD_CUSTOMERS_NAME
    if not (artifact.is_file() and customers.is_file()):
        from one_click.log import get_logger

        get_logger().warning(
            f"{directory} holds no fold models: the kept model scores its own training "
            "customers too (in-sample); a full refresh (make build) keeps them"
        )
        return ServedModels(kept)
    import skops.io as sio  # here, not at the top: it imports scikit-learn (seconds)

    folds = sio.load(artifact, trusted=TRUSTED_TYPES)
    fold_of = pd.read_parquet(customers)
    return ServedModels(kept, folds, fold_of.set_index("customer_id")["fold"])


def published_model_path() -> Path:
    """The published kept model: <project>/warehouse/model/churn_model.skops."""
    return published(project_dir(), MODEL_DIR) / ARTIFACT_NAME


def load_model(path=None):
    """Load a kept model (default: the published one, published_model_path()); raises skops'
    UntrustedTypesFoundException on any type not trusted."""
    import skops.io as sio  # here, not at the top: it imports scikit-learn (seconds)

    path = Path(path) if path else published_model_path()
    if not path.is_file():
        raise FileNotFoundError(f"no kept model at {path}: run `make build` first")
    return sio.load(path, trusted=TRUSTED_TYPES)


class IncompatibleModel(ValueError):
    """A kept model cannot serve the customers this project builds (the message says why)."""


def serving_layout(revenue_periods, site_time_periods, derived_features) -> dict:
    """What a model must agree with to score a build's customers: the features it reads, the
    periods of the delivered period tables and the derived features' expressions (the vars of
    LAYOUT_VARS, in that order: a dbt model passes them from its meta, the refresh from
    one_click.project.setting)."""
    return {
        "features": list(FEATURES),
        "revenue_periods": [str(period) for period in revenue_periods],
        "site_time_periods": [str(period) for period in site_time_periods],
        "derived_features": {str(k): str(v) for k, v in dict(derived_features).items()},
    }


def incompatibilities(metadata: dict, layout: dict, model=None) -> list[str]:
    """Why a kept model (its metadata, and the loaded model if given) cannot serve customers of
    `layout` (serving_layout); empty when it can."""
    wanted, layout = layout, metadata.get("layout")
    if not isinstance(layout, dict) or "feature_distributions" not in metadata:
        return [
            "its metadata has no layout or feature distributions (it was kept by an older "
            "version of the project)"
        ]
    problems = []
    kept_features = list(layout.get("features", []))
    if kept_features != wanted["features"]:
        missing = [f for f in wanted["features"] if f not in kept_features]
        unknown = [f for f in kept_features if f not in wanted["features"]]
        problems.append(
            "its features differ from the customers' "
            + (f"(the customers have {missing}, which the model does not read" if missing else "(")
            + ("; " if missing and unknown else "")
            + (f"the model reads {unknown}, which the customers lack" if unknown else "")
            + ("" if missing or unknown else "same features in another order")
            + ")"
        )
    for key in ("revenue_periods", "site_time_periods"):
        if list(layout.get(key, [])) != wanted[key]:
            problems.append(
                f"the period layout changed: var {key} is {wanted[key]}, the model was trained "
                f"on {layout.get(key)}"
            )
    if dict(layout.get("derived_features", {})) != wanted["derived_features"]:
        changed = sorted(
            name
            for name in {*wanted["derived_features"], *layout.get("derived_features", {})}
            if wanted["derived_features"].get(name) != layout.get("derived_features", {}).get(name)
        )
        problems.append(f"the derived features changed (var derived_features): {changed}")
    names = getattr(model, "feature_names_in_", None)
    if model is not None and names is not None and list(names) != wanted["features"]:
        problems.append(f"the model file reads columns {list(names)}, not the features")
    return problems


def check_compatible(metadata: dict, layout: dict, model=None, source=None) -> None:
    """Raise IncompatibleModel, naming every problem, unless the kept model can serve customers
    of `layout` (serving_layout)."""
    problems = incompatibilities(metadata, layout, model)
    if problems:
        where = f" at {source}" if source else ""
        raise IncompatibleModel(
            f"the kept model{where} (version {metadata.get('version')}) cannot score these "
            "customers: " + "; ".join(problems) + ". Retrain it with a full refresh (make build)."
        )


def load_kept_model(session, churn_model: pd.DataFrame):
    """The kept model that ml.churn_model (its one row, `churn_model`) describes, loaded from the
    model directory beside the warehouse file of a dbt Python model's DuckDB session.

    Raises when the file on disk is not the model of that row (another build's version)."""
    [row] = churn_model.to_dict("records")
    warehouse_directory = model_directory(session).parent
    artifact = warehouse_directory / row["artifact_path"]
    version = load_metadata(artifact).get("version")
    if version != row["version"]:
        raise ValueError(f"{artifact} holds model version {version}, not {row['version']}")
    return load_model(artifact)


def load_served_models(session, churn_model: pd.DataFrame) -> ServedModels:
    """load_kept_model with the outer-fold models kept beside it (load_fold_models)."""
    kept = load_kept_model(session, churn_model)
    [row] = churn_model.to_dict("records")
    artifact = model_directory(session).parent / row["artifact_path"]
    return load_fold_models(artifact.parent, kept)


def load_metadata(path) -> dict:
    """The metadata JSON beside a kept model (path of the .skops or of the .json)."""
    path = Path(path)
    if path.suffix != ".json":
        path = path.with_name(METADATA_NAME)
    return json.loads(path.read_text())
