"""Month after month, on small frames: PSI drift, the kept model's compatibility and its
byte-for-byte reuse in score mode, the month check and the score history of a release."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers import one_draw_per_family, sha, synthetic_customers

from one_click import monthly
from one_click.ml import drift
from one_click.ml.features import FEATURES
from one_click.ml.persist import (
    LAYOUT_VARS,
    IncompatibleModel,
    check_compatible,
    incompatibilities,
    load_metadata,
    serving_layout,
)
from one_click.ml.selection import run_candidate_search
from one_click.ml.training import REPORTED_METRICS, keep_published_model, keep_selected_model
from one_click.project import setting

SEED = int(setting("random_seed"))  # the project's one seed, as the dbt models pass it
# the layout the project's customers have, as churn_model passes it from its meta
LAYOUT = serving_layout(*(setting(name) for name in LAYOUT_VARS))
THRESHOLD = float(setting("drift_psi_threshold"))
BINS = int(setting("drift_bins"))


def _drift(training: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    distributions = drift.feature_distributions(training, BINS)
    return drift.drift_table(
        distributions, lambda f: scored[f], len(scored), len(training), THRESHOLD
    ).set_index("feature")


# ---------------------------------------------------------------------------------------------
# PSI


def test_the_same_customers_show_no_drift():
    customers = synthetic_customers(600, seed=3)
    table = _drift(customers, customers)
    assert set(table.index) == set(FEATURES)
    assert (table["psi"] == 0).all() and not table["drifted"].any()


def test_customers_drawn_alike_stay_under_the_threshold():
    table = _drift(synthetic_customers(1500, seed=3), synthetic_customers(1500, seed=4))
    assert not table["drifted"].any(), table["psi"].max()


def test_a_shifted_feature_fires_and_only_that_one():
    training = synthetic_customers(1500, seed=3)
    shifted = training.copy()
    shifted["tenure_days"] = shifted["tenure_days"] + 300
    table = _drift(training, shifted)
    assert table.loc["tenure_days", "drifted"]
    assert table.loc["tenure_days", "psi"] > THRESHOLD
    assert table.drop(index="tenure_days")["psi"].eq(0).all()


def test_a_category_never_seen_counts_as_drift():
    training = synthetic_customers(800, seed=3)
    scored = training.copy()
    scored.loc[scored.index[:400], "favourite_category"] = "a category never delivered"
    table = _drift(training, scored)
    assert table.loc["favourite_category", "drifted"]


def test_psi_is_zero_for_equal_shares_and_grows_with_the_gap():
    assert drift.psi([0.5, 0.5], [0.5, 0.5]) == 0
    assert 0 < drift.psi([0.5, 0.5], [0.6, 0.4]) < drift.psi([0.5, 0.5], [0.9, 0.1])


def test_a_model_without_a_feature_distribution_is_refused():
    customers = synthetic_customers(200, seed=3)
    distributions = drift.feature_distributions(customers, BINS)
    del distributions["pages_per_visit"]
    with pytest.raises(ValueError, match="pages_per_visit"):
        drift.drift_table(distributions, lambda f: customers[f], 200, 200, THRESHOLD)


# ---------------------------------------------------------------------------------------------
# The kept model: compatible or refused, reused byte for byte


@pytest.fixture(scope="module")
def kept_once(tmp_path_factory) -> Path:
    """The directory of a kept model trained on the synthetic customers (once for the module)."""
    directory = tmp_path_factory.mktemp("kept") / "model"
    customers = synthetic_customers()
    board = pd.DataFrame({"model_family": ["logistic_regression"], "is_selected": [True]})
    board = board.assign(**dict.fromkeys(REPORTED_METRICS, 0.9))
    with pytest.MonkeyPatch.context() as patch:
        one_draw_per_family(patch)
        search = run_candidate_search(customers, ["logistic_regression"], seed=SEED, n_jobs=1)
        keep_selected_model(
            customers,
            board,
            directory,
            search=search,
            seed=SEED,
            n_jobs=1,
            month="2026-10",
            drift_bins=BINS,
            layout=LAYOUT,
        )
    return directory


@pytest.fixture
def kept(kept_once, tmp_path):
    """A copy of the module's kept model, which the test may change: (its directory, its
    metadata)."""
    directory = shutil.copytree(kept_once, tmp_path / "kept" / "model")
    return directory, load_metadata(directory / "churn_model.json")


def test_the_metadata_keeps_the_month_the_layout_and_the_distributions(kept):
    _, metadata = kept
    assert metadata["training_month"] == "2026-10"
    assert metadata["layout"] == LAYOUT
    assert set(metadata["feature_distributions"]) == set(FEATURES)
    assert incompatibilities(metadata, LAYOUT) == []


def test_score_mode_copies_the_kept_model_byte_for_byte(kept, tmp_path):
    directory, metadata = kept
    before = {p.name: sha(p) for p in directory.iterdir()}
    row = keep_published_model(directory, tmp_path / "build" / "model", LAYOUT).iloc[0]
    assert {p.name: sha(p) for p in directory.iterdir()} == before
    assert {p.name: sha(p) for p in (tmp_path / "build" / "model").iterdir()} == before
    assert row["version"] == metadata["version"] and row["training_month"] == "2026-10"
    assert not row["trained_in_this_build"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda layout: layout["features"].remove("pages_per_visit"), "pages_per_visit"),
        (
            lambda layout: layout["features"].__setitem__(
                layout["features"].index("tenure_days"), "days_since_registration"
            ),
            "days_since_registration",
        ),
        (lambda layout: layout["revenue_periods"].pop(), "period layout"),
        (lambda layout: layout["derived_features"].pop("minutes_change"), "minutes_change"),
    ],
    ids=["missing feature", "renamed feature", "periods", "derived feature"],
)
def test_an_incompatible_kept_model_is_refused_naming_the_problem(kept, tmp_path, change, named):
    directory, metadata = kept
    change(metadata["layout"])
    (directory / "churn_model.json").write_text(json.dumps(metadata))
    with pytest.raises(IncompatibleModel, match=named):
        check_compatible(metadata, LAYOUT)
    with pytest.raises(IncompatibleModel, match="cannot score"):
        keep_published_model(directory, tmp_path / "build" / "model", LAYOUT)
    assert not (tmp_path / "build" / "model").exists()


def test_score_mode_without_a_kept_model_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no kept model"):
        keep_published_model(tmp_path / "nothing", tmp_path / "build" / "model", LAYOUT)


# ---------------------------------------------------------------------------------------------
# The month and the history of a release


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "2026/11", "november"])
def test_a_malformed_month_is_refused(text):
    with pytest.raises(monthly.MonthRefused, match=text.replace("/", ".")):
        monthly.parse_month(text)


def test_an_older_month_is_refused_unless_forced(tmp_path):
    (tmp_path / monthly.RELEASE_FILE).write_text(json.dumps({"month": "2026-11"}))
    with pytest.raises(monthly.MonthRefused, match="older than the last published month 2026-11"):
        monthly.check_month("2026-10", tmp_path, force=False)
    assert monthly.check_month("2026-10", tmp_path, force=True) == "2026-11"
    assert monthly.check_month("2026-11", tmp_path, force=False) == "2026-11"
    assert monthly.check_month("2026-12", None, force=False) is None


def _build(path, month: str, probability: float, listed: int = 3, campaigns: tuple = ()):
    """A build dir whose warehouse holds history.monthly_scores of one month, the month's
    campaign (marketing.campaign_assignment: `listed` customers, the first one control) and the
    results of the earlier `campaigns` (months) read from it (marketing.campaign_results: the
    whole campaign's final read, its difference `probability`)."""
    path.mkdir(parents=True)
    with duckdb.connect(str(path / "one_click.duckdb")) as con:
        con.execute("create schema history")
        con.execute(
            "create table history.monthly_scores as select range::integer as customer_id, "
            f"'{month}' as month, {probability} as decline_probability, 'low' as risk_band, "
            "null::varchar as top_reason_1, null::varchar as top_reason_2, "
            "null::varchar as top_reason_3, 'v1' as model_version, '2026-10' as training_month "
            "from range(5)"
        )
        con.execute("create schema marketing")
        con.execute(
            f"create table marketing.campaign_assignment as select '{month}' as month, "
            "range::integer as customer_id, "
            "case when range = 0 then 'control' else 'contacted' end as arm, "
            "'loyalty_bonus' as action_code, "
            f"{probability} as decline_probability, 'high' as risk_band, 10.0 as profit, "
            "3.0 as profit_at_risk, 'none' as segments "
            f"from range({listed})"
        )
        con.execute(
            "create table marketing.campaign_results (campaign_month varchar, "
            "outcome_month varchar, outcome_read varchar, group_level varchar, "
            "group_name varchar, contacted_customers bigint, difference double)"
        )
        for campaign in campaigns:
            con.execute(
                "insert into marketing.campaign_results values "
                f"('{campaign}', '{month}', 'final', 'all', 'all', 9, {probability})"
            )
    return path


def _history(release, name: str = monthly.SCORES_FILE):
    frame = duckdb.sql(
        f"select * from read_parquet('{release}/history/*/{name}', hive_partitioning = true)"
    ).df()
    return frame.sort_values(["month", "customer_id"]).reset_index(drop=True)


def test_the_history_links_every_other_month_and_replaces_its_own(tmp_path):
    first = _build(tmp_path / "r1", "2026-10", 0.1)
    assert monthly.write_history(first, first / "one_click.duckdb", None, "2026-10") == ["2026-10"]
    second = _build(tmp_path / "r2", "2026-11", 0.2)
    months = monthly.write_history(second, second / "one_click.duckdb", first, "2026-11")
    assert months == ["2026-10", "2026-11"]
    october = "history/month=2026-10/scores.parquet"
    assert os.path.samefile(first / october, second / october)  # linked, never rewritten
    again = _build(tmp_path / "r3", "2026-11", 0.3)
    monthly.write_history(again, again / "one_click.duckdb", second, "2026-11")
    history = _history(again)
    assert len(history) == 10  # no month twice
    assert set(history.loc[history["month"] == "2026-11", "decline_probability"]) == {0.3}
    assert os.path.samefile(first / october, again / october)
    assert set(_history(second).loc[lambda f: f["month"] == "2026-11", "decline_probability"]) == {
        0.2
    }


def test_the_month_assignment_is_kept_beside_its_scores(tmp_path):
    first = _build(tmp_path / "r1", "2026-10", 0.1, listed=3)
    monthly.write_history(first, first / "one_click.duckdb", None, "2026-10")
    second = _build(tmp_path / "r2", "2026-11", 0.2, listed=4)
    monthly.write_history(second, second / "one_click.duckdb", first, "2026-11")
    assignment = "history/month=2026-10/assignment.parquet"
    assert os.path.samefile(first / assignment, second / assignment)  # linked with the scores
    frame = _history(second, monthly.ASSIGNMENT_FILE)
    assert frame.groupby("month").size().to_dict() == {"2026-10": 3, "2026-11": 4}
    assert frame.loc[frame["arm"] == "control", "customer_id"].tolist() == [0, 0]
    assert monthly.history_months(second, monthly.ASSIGNMENT_FILE) == ["2026-10", "2026-11"]


def test_a_month_published_before_assignments_were_kept_keeps_its_scores(tmp_path):
    old = _build(tmp_path / "r1", "2026-10", 0.1)
    monthly.write_history(old, old / "one_click.duckdb", None, "2026-10")
    os.unlink(old / "history/month=2026-10/assignment.parquet")
    new = _build(tmp_path / "r2", "2026-11", 0.2)
    assert monthly.write_history(new, new / "one_click.duckdb", old, "2026-11") == [
        "2026-10",
        "2026-11",
    ]
    assert monthly.history_months(new, monthly.ASSIGNMENT_FILE) == ["2026-11"]


def test_an_empty_contact_list_still_writes_the_month_assignment(tmp_path):
    build = _build(tmp_path / "r1", "2026-10", 0.1, listed=0)
    monthly.write_history(build, build / "one_click.duckdb", None, "2026-10")
    assert _history(build, monthly.ASSIGNMENT_FILE).empty
    assert monthly.history_months(build, monthly.ASSIGNMENT_FILE) == ["2026-10"]


@pytest.mark.parametrize("name", ["ASSIGNMENT_FILE", "CAMPAIGN_RESULTS_FILE"])
def test_a_rollback_removes_the_month_history_file_with_the_month(tmp_path, name):
    """The month's campaign and the campaign results it read go with the month."""
    from one_click import publish

    file = getattr(monthly, name)
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    for month, campaign in (("2026-10", "2026-07"), ("2026-11", "2026-08")):
        build = _build(warehouse / ".build", month, 0.1, campaigns=(campaign,))
        monthly.write_history(
            build, build / "one_click.duckdb", publish.current_release(warehouse), month
        )
        for part in publish.PUBLISHED:  # the rest of a release, as files
            if not (build / part).exists():
                (build / part).write_text(part)
        publish.publish(build, warehouse)
    published = warehouse / "history" / "month=2026-11" / file
    assert published.is_file()
    publish.rollback(warehouse)
    assert not published.exists()
    assert monthly.history_months(publish.current_release(warehouse), file) == ["2026-10"]


def test_the_history_refuses_an_assignment_of_another_month(tmp_path):
    build = _build(tmp_path / "r1", "2026-10", 0.1)
    with duckdb.connect(str(build / "one_click.duckdb")) as con:
        con.execute("update marketing.campaign_assignment set month = '2026-09'")
    with pytest.raises(ValueError, match="campaign_assignment holds months"):
        monthly.write_history(build, build / "one_click.duckdb", None, "2026-10")


def test_the_month_campaign_results_are_kept_beside_its_scores(tmp_path):
    first = _build(tmp_path / "r1", "2026-10", 0.1, campaigns=("2026-07",))
    monthly.write_history(first, first / "one_click.duckdb", None, "2026-10")
    second = _build(tmp_path / "r2", "2026-11", 0.2, campaigns=("2026-08",))
    monthly.write_history(second, second / "one_click.duckdb", first, "2026-11")
    results = f"history/month=2026-10/{monthly.CAMPAIGN_RESULTS_FILE}"
    assert os.path.samefile(first / results, second / results)  # linked with the scores
    frame = duckdb.sql(
        f"select * from read_parquet('{second}/history/*/{monthly.CAMPAIGN_RESULTS_FILE}', "
        "hive_partitioning = true) order by month"
    ).df()
    # the folder names the outcome month: the file leaves its column out
    assert "outcome_month" not in frame.columns
    assert frame[["month", "campaign_month", "difference"]].values.tolist() == [
        ["2026-10", "2026-07", 0.1],
        ["2026-11", "2026-08", 0.2],
    ]
    assert monthly.history_months(second, monthly.CAMPAIGN_RESULTS_FILE) == ["2026-10", "2026-11"]


def test_a_month_before_any_outcome_still_writes_its_campaign_results(tmp_path):
    build = _build(tmp_path / "r1", "2026-10", 0.1)
    monthly.write_history(build, build / "one_click.duckdb", None, "2026-10")
    path = build / "history" / "month=2026-10" / monthly.CAMPAIGN_RESULTS_FILE
    assert duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchone() == (0,)
    assert monthly.history_months(build, monthly.CAMPAIGN_RESULTS_FILE) == ["2026-10"]


def test_republishing_a_month_replaces_its_campaign_results_only(tmp_path):
    first = _build(tmp_path / "r1", "2026-10", 0.1, campaigns=("2026-07",))
    monthly.write_history(first, first / "one_click.duckdb", None, "2026-10")
    second = _build(tmp_path / "r2", "2026-11", 0.2, campaigns=("2026-08",))
    monthly.write_history(second, second / "one_click.duckdb", first, "2026-11")
    again = _build(tmp_path / "r3", "2026-11", 0.3, campaigns=("2026-08",))
    monthly.write_history(again, again / "one_click.duckdb", second, "2026-11")
    name = monthly.CAMPAIGN_RESULTS_FILE
    frame = duckdb.sql(
        f"select month, difference from read_parquet('{again}/history/*/{name}', "
        "hive_partitioning = true) order by month"
    ).fetchall()
    assert frame == [("2026-10", 0.1), ("2026-11", 0.3)]


def test_the_history_refuses_campaign_results_of_another_month(tmp_path):
    build = _build(tmp_path / "r1", "2026-10", 0.1, campaigns=("2026-07",))
    with duckdb.connect(str(build / "one_click.duckdb")) as con:
        con.execute("update marketing.campaign_results set outcome_month = '2026-09'")
    with pytest.raises(ValueError, match="campaign_results holds months"):
        monthly.write_history(build, build / "one_click.duckdb", None, "2026-10")


def test_the_realized_warning_recommends_retraining_below_the_bar():
    below = {
        "score_month": "2026-07",
        "outcome_month": "2026-10",
        "matched_customers": 1200,
        "roc_auc": 0.871,
        "min_roc_auc": 0.915,
        "high_band_declined_share": 0.8,
        "below_quality_bar": True,
    }
    text = monthly.realized_warning([below])
    assert text.startswith("WARNING") and "ROC-AUC 0.871" in text
    assert "retraining is recommended" in text
    above = {**below, "roc_auc": 0.93, "below_quality_bar": False}
    assert "WARNING" not in monthly.realized_warning([above])
    assert "no earlier month's outcome" in monthly.realized_warning([])


def test_the_history_refuses_scores_of_another_month(tmp_path):
    build = _build(tmp_path / "r1", "2026-10", 0.1)
    with pytest.raises(ValueError, match="not 2026-11"):
        monthly.write_history(build, build / "one_click.duckdb", None, "2026-11")


def test_the_drift_warning_names_the_features_and_recommends_retraining_in_score_mode():
    model = {"version": "abc", "training_month": "2026-10", "trained_in_this_build": False}
    drifted = [{"feature": "pages_per_visit", "psi": 0.61, "threshold": THRESHOLD}]
    assert monthly.drift_warning(model, [], score_only=True) is None
    text = monthly.drift_warning(model, drifted, score_only=True)
    assert "pages_per_visit (PSI 0.61)" in text and "Retraining is recommended" in text
    assert "Retraining" not in monthly.drift_warning(model, drifted, score_only=False)


def test_the_kept_distributions_are_shares():
    distributions = drift.feature_distributions(synthetic_customers(300, seed=1), BINS)
    for distribution in distributions.values():
        shares = distribution["shares"]
        total = sum(shares.values()) if isinstance(shares, dict) else sum(shares)
        assert np.isclose(total, 1)
