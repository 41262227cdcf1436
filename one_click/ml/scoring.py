"""Scores and their reading: risk bands, calibration, and customer_scores, every customer scored
as a stream of Arrow record batches (one_click.score scores a batch by hand with a kept model)."""

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import sklearn
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from one_click.log import get_logger
from one_click.ml.candidates import fitted_pipeline
from one_click.ml.features import (
    CATEGORICAL_FEATURES,
    FEATURES,
    ID_COLUMN,
    TARGET,
    assert_model_positive_class,
    feature_frame,
)
from one_click.ml.metrics import calibration_table
from one_click.ml.persist import ServedModels
from one_click.ml.selection import selected_family
from one_click.project import check_risk_bands


def risk_band(probability, bands: dict[str, float]) -> np.ndarray:
    """The band of each probability: `bands` (var risk_bands, riskiest first: name -> the lowest
    probability in the band) gives the first band whose lowest probability it reaches."""
    bands = check_risk_bands(bands)
    probability = np.asarray(probability, dtype=float)
    if np.isnan(probability).any():
        raise ValueError("cannot band a missing probability")
    names, lowest = list(bands), list(bands.values())
    return np.select(
        [probability >= cut for cut in lowest[:-1]], names[:-1], default=names[-1]
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


# how customer_scores scores all customers: record batches of this many rows, read only as the
# workers take them, so memory holds a few batches whatever the number of customers
SCORING_BATCH_ROWS = 50_000
# scikit-learn's bound on the temporary arrays of one call (neighbour distances), in MiB
SCORING_WORKING_MEMORY_MB = 128
# the kinds of score in customer_scores
OUT_OF_FOLD = "out_of_fold"
HELD_OUT = "held_out"
KEPT_MODEL = "kept_model"  # score mode: a customer the kept model of a past build never saw
# score mode: a customer the kept model trained on, scored by the kept outer-fold model that did
# not (persist.ServedModels)
FOLD_MODEL = "fold_model"

SCORES_SCHEMA = pa.schema(
    [
        (ID_COLUMN, pa.int32()),
        ("decline_probability", pa.float64()),
        ("risk_band", pa.string()),
        ("score_kind", pa.string()),
        ("model_family", pa.string()),
    ]
)


def score_batch(
    batch: pd.DataFrame,
    model,
    out_of_fold: pd.Series,
    family: str,
    bands: dict[str, float],
    held_out_kind: str = HELD_OUT,
) -> tuple[pd.DataFrame, dict]:
    """Scores of one batch of customers: out of fold for the customers of the model sample
    (out_of_fold: their probability by customer_id), from the kept model for everyone else;
    and the categories of those others that the kept model never saw (unseen_categories).

    model: the kept model, or in score mode a persist.ServedModels, which scores a customer the
    kept model trained on by the outer-fold model that did not see them (score_kind
    FOLD_MODEL) and every other by the kept model (held_out_kind)."""
    ids = batch[ID_COLUMN].to_numpy()
    probability = out_of_fold.reindex(ids).to_numpy(dtype=float)
    held_out = np.isnan(probability)
    kinds = np.where(held_out, held_out_kind, OUT_OF_FOLD).astype(object)
    served = model if isinstance(model, ServedModels) else ServedModels(model)
    unseen = {}
    if held_out.any():
        assert_model_positive_class(served.kept)
        X = feature_frame(batch.loc[held_out])
        unseen = unseen_categories(served.kept, X)
        probability[held_out], keys = served.decline_probability(ids[held_out], X)
        kinds[np.flatnonzero(held_out)[keys != 0]] = FOLD_MODEL
    scores = pd.DataFrame(
        {
            ID_COLUMN: ids.astype("int32"),
            "decline_probability": probability,
            "risk_band": risk_band(probability, bands),
            "score_kind": kinds,
            "model_family": family,
        }
    )
    return scores, unseen


def _scored_record_batch(batch, model, out_of_fold, family, bands, held_out_kind):
    """score_batch of an Arrow record batch, as a record batch (runs in a worker process)."""
    frame = batch.to_pandas() if hasattr(batch, "to_pandas") else batch
    with (
        threadpool_limits(limits=1),
        sklearn.config_context(working_memory=SCORING_WORKING_MEMORY_MB),
    ):
        scores, unseen = score_batch(frame, model, out_of_fold, family, bands, held_out_kind)
    return pa.RecordBatch.from_pandas(scores, schema=SCORES_SCHEMA, preserve_index=False), unseen


def score_record_batches(
    batches,
    load_model: Callable[[], Any],
    predictions: pd.DataFrame,
    board: pd.DataFrame,
    bands: dict[str, float],
    n_jobs: int = 1,
    held_out_kind: str = HELD_OUT,
) -> pa.RecordBatchReader:
    """customer_scores as a stream: every customer of `batches` (Arrow record batches of
    customer_features) scored, one output batch per input batch, in their order.

    A customer of the model sample (the selected family's rows of candidate_predictions) keeps
    the out-of-fold probability of the outer-fold model that never trained on them (score_kind
    'out_of_fold'); every other customer is scored by `model`, the kept model, tuned and fitted
    on the sample only ('held_out'). Nothing is read before the consumer asks for it; with
    n_jobs workers, at most 2 x n_jobs batches are read ahead of what the consumer took, so
    memory holds a few batches whatever the number of customers. held_out_kind names the
    score_kind of the customers `model` scores (KEPT_MODEL in score mode, where predictions is
    empty and `model` is a persist.ServedModels: the kept model of a past build scores the
    customers it never saw, its outer-fold models those it trained on, FOLD_MODEL).

    load_model returns `model`: it is called once, the first time a batch holds a customer
    outside the model sample. When the sample is every customer (the embedded default), no
    model is loaded: loading imports skops (about 1.5 s holding the GIL of dbt's process).
    """
    family = selected_family(board)
    selected = predictions[predictions["model_family"] == family]
    out_of_fold = pd.Series(
        selected["oof_probability"].to_numpy(dtype=float),
        index=selected[ID_COLUMN].to_numpy(),
    )
    if out_of_fold.index.has_duplicates:
        raise ValueError(f"candidate_predictions scores a customer twice under {family}")

    load_once = functools.cache(load_model)

    def model_for(batch):
        """The model if a customer of the batch is outside the sample (loaded once), else None."""
        if np.isin(batch[ID_COLUMN].to_numpy(), out_of_fold.index).all():
            return None
        return load_once()

    def scored():
        logger, warned = get_logger(), set()
        parallel = Parallel(n_jobs=n_jobs, return_as="generator", pre_dispatch="2 * n_jobs")
        tasks = (
            delayed(_scored_record_batch)(
                batch, model_for(batch), out_of_fold, family, bands, held_out_kind
            )
            for batch in batches
        )
        for batch, unseen in parallel(tasks):
            new = {column: values for column, values in unseen.items() if column not in warned}
            if new:
                warned |= set(new)
                logger.warning(
                    f"scoring customers with categories the model never saw: {new}; they are"
                    " scored as if the category were none of the known ones"
                )
            yield batch

    return pa.RecordBatchReader.from_batches(SCORES_SCHEMA, scored())


def scored_columns() -> list[str]:
    """The columns of customer_features that scoring reads, in order."""
    return [ID_COLUMN, *FEATURES]


def score_relation(
    features,
    load_model: Callable[[], Any],
    predictions: pd.DataFrame,
    board: pd.DataFrame,
    bands: dict[str, float],
    batch_rows: int = SCORING_BATCH_ROWS,
    n_jobs: int = 1,
    held_out_kind: str = HELD_OUT,
) -> pa.RecordBatchReader:
    """score_record_batches over a DuckDB relation of customer_features, read as record batches
    of batch_rows (only the columns the model reads), in the relation's order: no sort, which
    would hold a copy of every customer."""
    columns = ", ".join(f'"{column}"' for column in scored_columns())
    batches = features.select(columns).to_arrow_reader(batch_rows)
    return score_record_batches(
        batches, load_model, predictions, board, bands, n_jobs, held_out_kind
    )


def stamped(reader: pa.RecordBatchReader, values: dict[str, str]) -> pa.RecordBatchReader:
    """The stream with a constant text column per item of `values` appended to every batch
    (customer_scores: the month scored, the model version and its training month)."""
    fields = [pa.field(name, pa.string()) for name in values]
    schema = pa.schema([*reader.schema, *fields])

    def batches():
        for batch in reader:
            extra = [pa.array([values[f.name]] * batch.num_rows, pa.string()) for f in fields]
            yield pa.RecordBatch.from_arrays([*batch.columns, *extra], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())
