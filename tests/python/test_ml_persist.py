"""The kept model: skops round trip with the trusted list, refusal of other types, fingerprint."""

import os

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import synthetic_customers
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from skops.io.exceptions import UntrustedTypesFoundException

from one_click.ml.candidates import FAMILIES
from one_click.ml.features import FEATURES, encode_target, feature_frame
from one_click.ml.persist import (
    LAYOUT_VARS,
    data_fingerprint,
    load_fold_models,
    load_kept_model,
    load_metadata,
    load_model,
    model_directory,
    save_model,
    serving_layout,
)
from one_click.ml.selection import candidate_predictions, fit_tuned, run_candidate_search
from one_click.ml.training import REPORTED_METRICS, keep_selected_model
from one_click.project import setting
from one_click.score import score_customers

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it
# what churn_model passes keep_selected_model from its meta, but the worker count
KEEP = {
    "seed": SEED,
    "month": str(setting("delivery_month")),
    "drift_bins": int(setting("drift_bins")),
    "layout": serving_layout(*(setting(name) for name in LAYOUT_VARS)),
}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_round_trips_with_the_trusted_list(family, customers, tmp_path):
    X, y = feature_frame(customers), encode_target(customers)
    model = fit_tuned(family, {}, X, y, SEED)
    artifact, described = save_model(model, tmp_path / "model", {"version": "test"})
    loaded = load_model(artifact)
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert load_metadata(artifact) == {"version": "test"}
    assert described.name == "churn_model.json"


def test_an_untrusted_type_is_refused(tmp_path):
    import skops.io as sio

    # a step naming an arbitrary function of the standard library (harmless here, but a file
    # could name any): skops does not trust it by default, nor does TRUSTED_TYPES
    sneaky = Pipeline([("step", FunctionTransformer(os.getcwd))])
    path = tmp_path / "sneaky.skops"
    sio.dump(sneaky, path)
    with pytest.raises(UntrustedTypesFoundException):
        load_model(path)
    with pytest.raises(TypeError, match="refuse"):
        save_model(sneaky, tmp_path / "model", {})


def test_fingerprint_ignores_row_order_but_not_values(customers):
    shuffled = customers.sample(frac=1, random_state=1)
    assert data_fingerprint(customers) == data_fingerprint(shuffled)
    changed = customers.copy()
    changed.loc[0, "tenure_days"] += 1
    assert data_fingerprint(changed) != data_fingerprint(customers)
    relabelled = customers.copy()
    relabelled.loc[0, "activity_declined"] = not relabelled.loc[0, "activity_declined"]
    assert data_fingerprint(relabelled) != data_fingerprint(customers)


def test_model_directory_is_beside_the_warehouse_file(tmp_path):
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        assert model_directory(connection) == tmp_path.resolve() / "model"
    finally:
        connection.close()


def test_kept_model_is_saved_described_and_scores_a_new_batch(customers, quick_search, tmp_path):
    board = pd.DataFrame({"model_family": ["knn", "svc"], "is_selected": [False, True]})
    board = board.assign(**dict.fromkeys(REPORTED_METRICS, 0.9))
    search = run_candidate_search(customers, ["svc"], seed=SEED, n_jobs=1)
    first = keep_selected_model(
        customers, board, tmp_path / "model", n_jobs=1, search=search, **KEEP
    )
    second = keep_selected_model(
        customers, board, tmp_path / "again" / "model", n_jobs=1, search=search, **KEEP
    )

    row = first.iloc[0]
    assert row["model_family"] == "svc" and row["customers"] == len(customers)
    assert row["artifact_path"] == "model/churn_model.skops"
    assert row["version"] == second.iloc[0]["version"]  # same inputs, same version
    metadata = load_metadata(tmp_path / row["metadata_path"])
    assert metadata["positive_class"]["label"] == 1
    assert "declined" in metadata["positive_class"]["meaning"]
    assert metadata["features"] == FEATURES
    assert metadata["data_fingerprint"] == row["data_fingerprint"]
    assert set(REPORTED_METRICS) <= set(metadata["metrics"])

    model = load_model(tmp_path / row["artifact_path"])
    batch = synthetic_customers(8, seed=5).drop(columns=["activity_declined"])
    scores = score_customers(model, batch)
    again = score_customers(load_model(tmp_path / "again" / row["artifact_path"]), batch)
    pd.testing.assert_frame_equal(scores, again)

    # the outer-fold models, kept beside it: each training customer's out-of-fold score again
    served = load_fold_models(tmp_path / "model", model)
    ids = customers["customer_id"].to_numpy()
    keys = served.keys(ids)
    assert set(keys) == {1, 2, 3, 4, 5} and (served.keys([10**6]) == 0).all()
    oof = candidate_predictions(search).set_index("customer_id")
    assert (keys == oof.loc[ids, "outer_fold"].to_numpy()).all()
    X = feature_frame(customers)
    for key in set(keys):
        rows = keys == key
        scored = served.model(key).predict_proba(X[rows])[:, 1]
        assert np.allclose(scored, oof.loc[ids[rows], "oof_probability"], atol=1e-9)


def test_the_kept_model_of_the_churn_model_row_is_loaded_beside_the_warehouse(
    customers, quick_search, tmp_path
):
    board = pd.DataFrame({"model_family": ["logistic_regression"], "is_selected": [True]})
    board = board.assign(**dict.fromkeys(REPORTED_METRICS, 0.9))
    search = run_candidate_search(customers, ["logistic_regression"], seed=SEED, n_jobs=1)
    row = keep_selected_model(customers, board, tmp_path / "model", n_jobs=1, search=search, **KEEP)
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        model = load_kept_model(connection, row)
        X = feature_frame(customers)
        expected = load_model(tmp_path / "model" / "churn_model.skops").predict_proba(X)
        assert np.array_equal(model.predict_proba(X), expected)
        with pytest.raises(ValueError, match="not"):
            load_kept_model(connection, row.assign(version="another build"))
    finally:
        connection.close()
