"""The kept model: skops round trip with the trusted list, refusal of other types, fingerprint."""

import os

import duckdb
import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from skops.io.exceptions import UntrustedTypesFoundException

from one_click.ml.candidates import FAMILIES
from one_click.ml.features import encode_target, feature_frame
from one_click.ml.persist import (
    data_fingerprint,
    load_metadata,
    load_model,
    model_directory,
    save_model,
)
from one_click.ml.selection import fit_tuned


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_round_trips_with_the_trusted_list(family, customers, tmp_path):
    X, y = feature_frame(customers), encode_target(customers)
    model = fit_tuned(family, {}, X, y)
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
