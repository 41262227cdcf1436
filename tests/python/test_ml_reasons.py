"""customer_reasons: the top of the two lists only, each customer explained by the model
that scored them, SHAP values of customer_shap_values reused."""

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from helpers import one_draw_per_family, synthetic_customers

from one_click.ml.explain import (
    CategoryCodes,
    explain,
    selected_shap_values,
    shap_long,
)
from one_click.ml.features import feature_frame, sort_customers
from one_click.ml.plain_reasons import direction_features, plain_reasons
from one_click.ml.reasons import customer_reasons, retention_top, typical_bands
from one_click.ml.sampling import stratified_sample
from one_click.ml.scoring import score_record_batches
from one_click.ml.selection import (
    candidate_predictions,
    leaderboard,
    run_candidate_search,
)
from one_click.ml.training import train_final_model
from one_click.project import risk_bands, setting

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it
FAMILY = "logistic_regression"


def bands_of(customers: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The quartiles of every direction feature, as pandas computes them (the check of
    typical_bands, which computes them in DuckDB)."""
    frame = customers[direction_features()].astype(float)
    return {f: (frame[f].quantile(0.25), frame[f].quantile(0.75)) for f in frame.columns}


def expected_reasons(build, shap_values: pd.DataFrame) -> pd.DataFrame:
    """The reasons of these SHAP values, directions against the band of all customers."""
    return plain_reasons(shap_values, build["bands"]).set_index("customer_id")


@pytest.fixture(scope="module")
def build():
    """A small build: a model sample of 80 of 120 customers, a SHAP sample of 30 of those, the
    kept model, and every customer's score as customer_scores gives it (built once for the
    module; the tests read it)."""
    with pytest.MonkeyPatch.context() as patch:
        one_draw_per_family(patch)
        return _build(synthetic_customers())


def _build(customers):
    sample = customers[
        customers["customer_id"].isin(stratified_sample(customers, 80, SEED)["customer_id"])
    ]
    search = run_candidate_search(sample, families=[FAMILY], n_jobs=1, seed=SEED)
    board = leaderboard(search, len(customers), scoring_budget_seconds=1e9)
    model, _ = train_final_model(sample, FAMILY, n_jobs=1, seed=SEED)
    scores = (
        score_record_batches(
            [pa.RecordBatch.from_pandas(customers)],
            lambda: model,
            candidate_predictions(search),
            board,
            bands=risk_bands(),
        )
        .read_all()
        .to_pandas()
    )
    explained = stratified_sample(sample, 30, SEED)["customer_id"]
    shap_values = selected_shap_values(
        sample, search, FAMILY, seed=SEED, n_jobs=1, explained=explained
    )
    targets = customers.merge(
        scores[["customer_id", "decline_probability", "score_kind"]], on="customer_id"
    )
    return {
        "bands": bands_of(customers),
        "sample": sample,
        "search": search,
        "model": model,
        "loader": lambda: model,
        "shap_values": shap_values,
        "targets": targets,
    }


def _reasons(build, targets, shap_values=None, loader=None):
    return customer_reasons(
        targets,
        build["shap_values"] if shap_values is None else shap_values,
        build["sample"],
        build["search"],
        FAMILY,
        build["loader"] if loader is None else loader,
        seed=SEED,
        n_jobs=1,
        bands=build["bands"],
    ).set_index("customer_id")


def _kinds(build):
    targets, shap_ids = build["targets"], set(build["shap_values"]["customer_id"])
    in_shap = targets["customer_id"].isin(shap_ids)
    out_of_fold = targets["score_kind"] == "out_of_fold"
    return targets[in_shap], targets[out_of_fold & ~in_shap], targets[~out_of_fold]


def test_the_first_n_of_each_list_by_profit_at_risk():
    risk = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4, 5, 6, 7, 8],
            "profit_at_risk": [3.0, 9.0, 6.0, 9.0, 1.0, 8.0, 7.0, 20.0],
            "allow_offers": [True, True, True, True, True, False, False, False],
            "risk_band": ["high", "high", "low", "medium", "low", "high", "medium", "low"],
        }
    )
    kinds = pd.DataFrame({"customer_id": list(range(1, 9)), "score_kind": ["held_out"] * 8})
    connection = duckdb.connect()
    try:
        connection.register("risk", risk)
        connection.register("scores", kinds)
        top = retention_top(
            connection.sql("from risk"), connection.sql("from scores"), 3, ["high", "medium"]
        ).df()
    finally:
        connection.close()
    # the contact list: at risk and allowing offers (3 and 5 are low risk), ties at 9.0 by
    # customer_id, as contact_list ranks them; the site list: at risk without consent (8 is low
    # risk); all in the order of profit at risk
    assert list(top["customer_id"]) == [2, 4, 6, 7, 1]
    assert list(top["score_kind"]) == ["held_out"] * 5


def test_the_band_of_typical_values_is_the_quartiles_of_all_customers(customers):
    connection = duckdb.connect()
    try:
        connection.register("customers", customers)
        bands = typical_bands(connection.sql("from customers"))
    finally:
        connection.close()
    assert bands.keys() == bands_of(customers).keys()
    for feature, (low, high) in bands_of(customers).items():
        assert bands[feature] == pytest.approx((low, high)), feature
        assert low <= high


def test_only_the_customers_asked_for_get_reasons(build):
    targets = build["targets"].sort_values("customer_id").head(10)
    reasons = _reasons(build, targets)
    assert sorted(reasons.index) == sorted(targets["customer_id"])
    assert list(reasons.columns) == [
        "top_reason_1",
        "top_reason_2",
        "top_reason_3",
        "reasons_ru",
        "reasons_en",
        "context_reasons",
        "context_ru",
        "context_en",
        "explained_by",
    ]
    empty = _reasons(build, targets.head(0))
    assert empty.empty and list(empty.columns) == list(reasons.columns)


def test_shap_values_of_the_shap_sample_are_reused(build):
    in_shap, _, _ = _kinds(build)
    customer = in_shap["customer_id"].iloc[0]
    shap_values = build["shap_values"].copy()
    rows = shap_values["customer_id"] == customer
    # the customer's values handed to other features (their sum, the probability, unchanged):
    # reasons computed afresh would not follow them
    shap_values.loc[rows, "shap_value"] = shap_values.loc[rows, "shap_value"].to_numpy()[::-1]
    reasons = _reasons(build, in_shap, shap_values)
    assert (reasons["explained_by"] == "customer_shap_values").all()
    planted = expected_reasons(build, shap_values[rows]).loc[customer]
    fresh = expected_reasons(build, build["shap_values"][rows]).loc[customer]
    assert list(reasons.loc[customer, planted.index].fillna("-")) == list(planted.fillna("-"))
    assert list(planted.fillna("-")) != list(fresh.fillna("-"))


def _not_loaded():
    raise AssertionError("the kept model was loaded, though no customer to explain needs it")


def test_out_of_fold_customers_are_explained_by_their_outer_fold_model(build):
    _, out_of_fold, _ = _kinds(build)
    assert len(out_of_fold) > 0
    # explaining them needs no kept model: it is not loaded
    reasons = _reasons(build, out_of_fold, loader=_not_loaded)
    assert (reasons["explained_by"] == "outer_fold_model").all()
    # the same values the SHAP table would hold for them: the outer-fold model that scored them
    expected = selected_shap_values(
        build["sample"], build["search"], FAMILY, SEED, 1, explained=out_of_fold["customer_id"]
    )
    expected = expected_reasons(build, expected)
    pd.testing.assert_frame_equal(
        reasons[expected.columns].sort_index(), expected.sort_index(), check_dtype=False
    )


def test_held_out_customers_are_explained_by_the_kept_model(build):
    _, _, held_out = _kinds(build)
    assert len(held_out) > 0
    loads = []
    reasons = _reasons(build, held_out, loader=lambda: loads.append(1) or build["model"])
    assert loads == [1]
    assert (reasons["explained_by"] == "kept_model").all()
    sample = sort_customers(build["sample"])
    codes = CategoryCodes(feature_frame(sample))
    values, base = explain(
        build["model"], feature_frame(sample), feature_frame(held_out), codes, SEED
    )
    # they add up to the kept model's probability, the one customer_scores shows
    np.testing.assert_allclose(
        values.sum(axis=1) + base, held_out["decline_probability"], rtol=0, atol=1e-12
    )
    expected = expected_reasons(build, shap_long(held_out, values, base, codes))
    pd.testing.assert_frame_equal(
        reasons[expected.columns].sort_index(), expected.sort_index(), check_dtype=False
    )


def test_an_explanation_of_another_model_than_the_scoring_one_is_refused(build):
    _, out_of_fold, held_out = _kinds(build)
    # the customers' probabilities as the kept model gives them, not the outer-fold model that
    # scored them: the explanations cannot add up to them
    wrong = out_of_fold.head(3).copy()
    wrong["decline_probability"] = build["model"].predict_proba(feature_frame(wrong))[:, 1]
    with pytest.raises(ValueError, match="another model"):
        _reasons(build, wrong)
    mislabelled = held_out.head(2).assign(score_kind="out_of_fold")
    with pytest.raises(ValueError, match="model sample"):
        _reasons(build, mislabelled)


@pytest.mark.slow
def test_explaining_in_parts_and_in_workers_gives_the_same_reasons(build):
    _, out_of_fold, held_out = _kinds(build)
    targets = pd.concat([out_of_fold, held_out])
    alone = _reasons(build, targets)
    in_workers = customer_reasons(
        targets,
        build["shap_values"],
        build["sample"],
        build["search"],
        FAMILY,
        build["loader"],
        seed=SEED,
        n_jobs=2,
        bands=build["bands"],
    ).set_index("customer_id")
    pd.testing.assert_frame_equal(in_workers.sort_index(), alone.sort_index())
