"""The kept model: skops file + metadata JSON beside the warehouse, loaded with a trusted list.

skops, not pickle: loading a pickle runs whatever code the file names. skops.io.load refuses
every type not listed in TRUSTED_TYPES (never trusted=True), so a tampered or unexpected file
fails to load instead of executing.
"""

import hashlib
import json
from pathlib import Path

import pandas as pd
import skops.io as sio

MODEL_DIRECTORY = "model"
ARTIFACT_NAME = "churn_model.skops"
METADATA_NAME = "churn_model.json"

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
    return Path(database_path).resolve().parent / MODEL_DIRECTORY


def data_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of the training frame: column names, dtypes and every value, row order ignored."""
    canonical = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    digest = hashlib.sha256()
    digest.update(json.dumps([[c, str(t)] for c, t in canonical.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(canonical, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def save_model(model, directory: Path, metadata: dict) -> tuple[Path, Path]:
    """Write the model (skops) and its metadata (JSON) into directory; returns both paths."""
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


def load_model(path):
    """Load a kept model; raises skops' UntrustedTypesFoundException on any type not trusted."""
    return sio.load(path, trusted=TRUSTED_TYPES)


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


def load_metadata(path) -> dict:
    """The metadata JSON beside a kept model (path of the .skops or of the .json)."""
    path = Path(path)
    if path.suffix != ".json":
        path = path.with_name(METADATA_NAME)
    return json.loads(path.read_text())
