"""Scoring a batch, risk bands, calibration tables, the customer_scores stream."""

import logging

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers import synthetic_customers

from one_click.ml.features import encode_target, feature_frame
from one_click.ml.metrics import brier_score, calibration_table, expected_calibration_error
from one_click.ml.sampling import stratified_sample
from one_click.ml.scoring import (
    SCORES_SCHEMA,
    risk_band,
    score_record_batches,
    score_relation,
    unseen_categories,
)
from one_click.ml.selection import (
    candidate_predictions,
    fit_tuned,
    leaderboard,
    run_candidate_search,
)
from one_click.ml.training import train_final_model
from one_click.project import risk_bands, setting
from one_click.score import score_customers

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it


BANDS = {"high": 0.6, "medium": 0.3, "low": 0.0}


def test_risk_band_cut_offs():
    probability = [0.0, 0.2999, 0.3, 0.5999, 0.6, 1.0]
    assert list(risk_band(probability, BANDS)) == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    assert list(risk_band([0.5], {"high": 0.5, "medium": 0.2, "low": 0.0})) == ["high"]
    # the names and their number come from the bands given
    two = {"at_risk": 0.5, "calm": 0.0}
    assert list(risk_band([0.49, 0.5], two)) == ["calm", "at_risk"]


def test_a_batch_is_banded_with_the_project_cut_offs(customers):
    model = fit_tuned(
        "logistic_regression", {}, feature_frame(customers), encode_target(customers), SEED
    )
    scores = score_customers(model, customers)
    expected = risk_band(scores["decline_probability"], risk_bands())
    assert list(scores["risk_band"]) == list(expected)
    # other cut-offs give other bands: the project's are not built in
    shifted = score_customers(model, customers, {"high": 0.99, "medium": 0.98, "low": 0.0})
    assert list(shifted["risk_band"]) != list(scores["risk_band"])


@pytest.mark.parametrize(
    "bands",
    [
        {"high": 0.3, "medium": 0.6, "low": 0.0},
        {"high": 0.6, "medium": 0.6, "low": 0.0},
        {"high": 1.2, "medium": 0.3, "low": 0.0},
        {"high": 0.6, "medium": 0.3, "low": 0.1},
        {"high": 0.0},
    ],
)
def test_risk_band_refuses_bands_out_of_order(bands):
    with pytest.raises(ValueError, match="var risk_bands"):
        risk_band([0.5], bands)


def test_unseen_category_is_scored_with_a_warning(customers, caplog):
    model = fit_tuned(
        "logistic_regression", {}, feature_frame(customers), encode_target(customers), SEED
    )
    batch = synthetic_customers(5, seed=9).drop(columns=["activity_declined"])
    batch.loc[0, "favourite_category"] = "Садовый инвентарь"  # a category the shop just opened
    with caplog.at_level(logging.WARNING, logger="one_click"):
        scores = score_customers(model, batch)
    assert "Садовый инвентарь" in caplog.text and "never saw" in caplog.text
    assert scores["decline_probability"].between(0, 1).all() and len(scores) == 5
    assert list(scores.columns) == ["customer_id", "decline_probability", "risk_band"]


def test_known_categories_score_without_a_warning(customers, caplog):
    model = fit_tuned(
        "logistic_regression", {}, feature_frame(customers), encode_target(customers), SEED
    )
    with caplog.at_level(logging.WARNING, logger="one_click"):
        score_customers(model, customers.head(10))
    assert caplog.text == ""
    assert unseen_categories(model, feature_frame(customers)) == {}


def test_calibration_table_and_error():
    rng = np.random.default_rng(0)
    probability = rng.uniform(size=20000)
    calibrated = rng.uniform(size=20000) < probability
    table = calibration_table(calibrated, probability)
    assert list(table["bin"]) == list(range(1, 11))
    assert table["customers"].sum() == 20000
    assert (table["mean_predicted"] >= table["bin_lower"]).all()
    assert (table["mean_predicted"] < table["bin_upper"]).all()
    assert expected_calibration_error(calibrated, probability) < 0.02
    overconfident = np.clip(probability * 2 - 0.5, 0, 1)
    assert expected_calibration_error(calibrated, overconfident) > 0.1
    assert brier_score(calibrated, probability) < brier_score(calibrated, overconfident)


def test_calibration_table_puts_one_in_the_last_bin():
    table = calibration_table([1, 0, 1], [1.0, 0.0, 0.95])
    assert list(table["bin"]) == [1, 10] and list(table["customers"]) == [1, 2]


# ---------------------------------------------------------------------------------------------
# customer_scores: the model sample out of fold, everyone else by the kept model, in batches


@pytest.fixture
def scored_build(customers, quick_search):
    """A small build: a model sample of 80 of the 120 customers, its nested search (logistic
    regression), a leaderboard that selects it and the kept model fitted on the sample."""
    sample = customers[
        customers["customer_id"].isin(stratified_sample(customers, 80, SEED)["customer_id"])
    ]
    search = run_candidate_search(sample, families=["logistic_regression"], n_jobs=1, seed=SEED)
    board = leaderboard(search, all_customers=len(customers), scoring_budget_seconds=1e9)
    model, _ = train_final_model(sample, "logistic_regression", n_jobs=1, seed=SEED)
    return sample, candidate_predictions(search), board, model


def _relation(frame):
    connection = duckdb.connect()
    connection.register("customer_features", frame)
    return connection, connection.sql("select * from customer_features")


def test_sample_is_scored_out_of_fold_and_the_rest_by_the_kept_model(customers, scored_build):
    sample, predictions, board, model = scored_build
    reader = score_record_batches(
        [pa.RecordBatch.from_pandas(customers)], lambda: model, predictions, board, bands=BANDS
    )
    scores = reader.read_all().to_pandas().set_index("customer_id")
    assert len(scores) == len(customers) and set(scores.index) == set(customers["customer_id"])

    in_sample = scores.index.isin(sample["customer_id"])
    assert (scores.loc[in_sample, "score_kind"] == "out_of_fold").all()
    assert (scores.loc[~in_sample, "score_kind"] == "held_out").all()
    assert in_sample.sum() == 80 and (~in_sample).sum() == 40

    out_of_fold = predictions.set_index("customer_id")["oof_probability"]
    sampled = scores.index[in_sample]
    assert np.array_equal(
        scores.loc[sampled, "decline_probability"], out_of_fold.loc[sampled].to_numpy()
    )
    # the customers outside the sample: exactly what the kept model gives them
    others = customers[~customers["customer_id"].isin(sample["customer_id"])]
    expected = score_customers(model, others, BANDS).set_index("customer_id")
    held = scores.loc[expected.index]
    assert np.array_equal(held["decline_probability"], expected["decline_probability"])
    assert list(held["risk_band"]) == list(expected["risk_band"])
    # and not what an outer-fold model gave them: those never scored them
    assert not set(others["customer_id"]) & set(predictions["customer_id"])
    assert (scores["model_family"] == "logistic_regression").all()


def test_batches_score_as_one_call_in_customer_order(customers, scored_build):
    _, predictions, board, model = scored_build
    connection, relation = _relation(customers.sample(frac=1, random_state=3))
    try:
        streamed = score_relation(relation, lambda: model, predictions, board, BANDS, batch_rows=16)
        batches = list(streamed)
        whole = score_relation(
            relation, lambda: model, predictions, board, BANDS, batch_rows=10_000
        )
        one_shot = whole.read_all().to_pandas()
        in_workers = score_relation(
            relation, lambda: model, predictions, board, BANDS, batch_rows=16, n_jobs=2
        ).read_all()
    finally:
        connection.close()
    assert len(batches) == 8 and max(b.num_rows for b in batches) == 16  # 120 rows, 16 a batch
    assert batches[0].schema == SCORES_SCHEMA
    streamed_frame = pa.Table.from_batches(batches).to_pandas()
    assert sorted(streamed_frame["customer_id"]) == sorted(customers["customer_id"])
    pd.testing.assert_frame_equal(streamed_frame, one_shot)
    pd.testing.assert_frame_equal(in_workers.to_pandas(), one_shot)  # two workers, same order
    assert set(one_shot["score_kind"]) == {"out_of_fold", "held_out"}


def test_the_kept_model_is_loaded_once_and_only_when_a_customer_needs_it(customers, scored_build):
    sample, predictions, board, model = scored_build
    loads = []

    def load():
        loads.append(1)
        return model

    def batches(frame):
        return [
            pa.RecordBatch.from_pandas(frame.iloc[i : i + 16]) for i in range(0, len(frame), 16)
        ]

    in_sample = customers[customers["customer_id"].isin(sample["customer_id"])]
    only_sample = score_record_batches(batches(in_sample), load, predictions, board, BANDS)
    assert set(only_sample.read_all().to_pandas()["score_kind"]) == {"out_of_fold"}
    assert loads == [], "every customer scored out of fold: no model loaded"

    everyone = score_record_batches(batches(customers), load, predictions, board, BANDS)
    assert "held_out" in set(everyone.read_all().to_pandas()["score_kind"])
    assert loads == [1], "loaded once for all the batches that needed it"


def test_scoring_reads_nothing_until_asked(customers, scored_build):
    _, predictions, board, model = scored_build
    read = []

    def batches():
        for start in range(0, len(customers), 50):
            read.append(start)
            yield pa.RecordBatch.from_pandas(customers.iloc[start : start + 50])

    reader = score_record_batches(batches(), lambda: model, predictions, board, BANDS)
    assert read == []
    reader.read_next_batch()
    assert read == [0]


def test_a_customer_scored_twice_out_of_fold_is_refused(scored_build):
    _, predictions, board, model = scored_build
    doubled = pd.concat([predictions, predictions])
    with pytest.raises(ValueError, match="twice"):
        score_record_batches([], lambda: model, doubled, board, BANDS)
