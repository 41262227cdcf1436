"""What the project learns, end to end, read back from the warehouse: four synthetic months of
the same customers (one_click.synth), in a copy of the project.

- month 1: a full refresh of a synthetic delivery trains the model and contacts the customers
  at risk, half of them held back as control (var holdout_share 0.5 in this copy: the power of
  a cheap test);
- months 2 and 3: drawn on from month 1 with a planted effect of 10 points less decline (and the
  revenue kept with it) for every contacted customer; month 2 is scored by the kept model
  (`--score`) and holds the early read of month 1's campaign (the current month's revenue);
  month 3 is drawn but not refreshed (a month the store skips: nothing here reads it);
- month 4 (month 1 + var profit_at_risk_months): the outcome of month 1's campaign and scores
  arrives, scored too; published once as drawn with the effect and once, after a rollback, as
  drawn from the same world with no effect (the same features and random draws).

The generator's truth (_truth.parquet beside each month) is what the warehouse is judged by:
the measured effect holds the planted one and excludes zero, finds none when none was planted,
and the realized accuracy is what the truth's outcomes make of month 1's scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from helpers import copy_project, explain, run_refresh, with_vars
from sklearn.metrics import roc_auc_score

from one_click import monthly, synth
from one_click.layout import HISTORY_DIR, WAREHOUSE_DIR, WAREHOUSE_FILE
from one_click.project import risk_bands, setting

pytestmark = pytest.mark.slow  # four refreshes of four months

CUSTOMERS = 4000  # about 1,100 on the contact list: 550 a side, a 10-point effect is 4 SEs
SEED = 7
FIRST = "2026-10"
HORIZON = int(setting("profit_at_risk_months"))
EARLY = int(setting("early_read_months"))
EFFECT = -0.10  # planted on every action: 10 points less decline
# vars of this copy of the project: half the contact list held back (the power of a small
# campaign); smaller samples for the model selection, the explanations (SHAP, reasons,
# permutation importance) and the report's plots, and one worker process, which a chain about
# the campaign and the scores does not read: four refreshes stay cheap (CPU time)
TEST_VARS = {
    "holdout_share": 0.5,
    "model_sample_size": 1000,
    "shap_sample_size": 200,
    "reasons_top_n": 200,
    "report_sample_size": 1000,
    "workers": 1,
}
LAYOUT = synth.Layout.from_project()
RESULTS = "select * from marketing.campaign_results"
REALIZED = "select * from ml.realized_performance"


def _month(offset: int) -> str:
    year, number = map(int, FIRST.split("-"))
    index = year * 12 + number - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


MONTHS = [_month(k) for k in range(HORIZON + 1)]  # month 1 .. month 1 + horizon
# the months refreshed after month 1: the early read's and the outcome's
SCORED = sorted({MONTHS[EARLY], MONTHS[-1]})


@dataclass
class Chain:
    deliveries: dict[str, Path]  # month -> the delivery drawn with the effect
    plain: Path  # the last month, drawn with no effect
    assignment: pd.DataFrame  # month 1's campaign, from the published history
    scores: pd.DataFrame  # month 1's scores, from the published history
    stdout: dict[str, str] = field(default_factory=dict)
    results: dict[str, pd.DataFrame] = field(default_factory=dict)  # month or "plain"
    realized: dict[str, pd.DataFrame] = field(default_factory=dict)


def _read(database: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.sql(sql).df()


def _history(warehouse: Path, month: str, name: str) -> pd.DataFrame:
    return pd.read_parquet(warehouse / HISTORY_DIR / f"{monthly.PARTITION}{month}" / name)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Chain:
    root = copy_project(tmp_path_factory.mktemp("learning"))
    with_vars(root, **TEST_VARS)
    warehouse, out = root / WAREHOUSE_DIR, tmp_path_factory.mktemp("deliveries")
    first = synth.generate(CUSTOMERS, out / FIRST, seed=SEED)

    def refresh(month: str, delivery: Path, key: str, *mode: str) -> None:
        result = run_refresh(root, *mode, "--delivery", str(delivery), "--month", month)
        assert result.returncode == 0, explain(result)
        made.stdout[key] = result.stdout
        made.results[key] = _read(warehouse / WAREHOUSE_FILE, RESULTS)
        made.realized[key] = _read(warehouse / WAREHOUSE_FILE, REALIZED)

    result = run_refresh(root, "--delivery", str(first), "--month", FIRST)
    assert result.returncode == 0, explain(result)
    history = [warehouse / HISTORY_DIR]  # the published history: month 1's campaign
    effect = [f"{synth.ALL_ACTIONS}={EFFECT}"]
    ahead = tuple(range(1, HORIZON + 1))
    drawn = synth.generate_next(
        first, out / "effect", FIRST, ahead, seed=SEED, assignments=history, effects=effect
    )
    plain = synth.generate_next(
        first, out / "plain", FIRST, (HORIZON,), seed=SEED, assignments=history
    )
    made = Chain(
        {FIRST: first, **drawn},
        plain[MONTHS[-1]],
        _history(warehouse, FIRST, monthly.ASSIGNMENT_FILE),
        _history(warehouse, FIRST, monthly.SCORES_FILE),
        {FIRST: result.stdout},
    )
    for month in SCORED:
        refresh(month, made.deliveries[month], month, "--score")
    rollback = run_refresh(root, "--rollback")  # the last month again, drawn with no effect
    assert rollback.returncode == 0, explain(rollback)
    refresh(MONTHS[-1], made.plain, "plain", "--score")
    return made


def _truth(directory: Path) -> pd.DataFrame:
    return pd.read_parquet(directory / synth.TRUTH_FILE).set_index("customer_id")


def _active(directory: Path) -> pd.Index:
    """The customers of a delivery the warehouse holds: revenue in every delivered period."""
    frame = synth.customer_table(directory)
    column = LAYOUT.value_columns(synth.REVENUE_FILE)[0]
    periods = [f"{column} {period}" for period in LAYOUT.periods(synth.REVENUE_FILE)]
    return frame.index[(frame[periods] > 0).all(axis=1)]


def _row(results: pd.DataFrame, read: str) -> pd.Series:
    rows = results[
        (results["campaign_month"] == FIRST)
        & (results["outcome_read"] == read)
        & (results["group_level"] == "all")
    ]
    assert len(rows) == 1, results
    return rows.iloc[0]


def _arms(chain: Chain, directory: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Month 1's contacted and control customers the delivery in `directory` holds, with the
    truth of that month."""
    truth = _truth(directory)
    matched = chain.assignment.set_index("customer_id").join(truth, how="inner", rsuffix="_truth")
    matched = matched.loc[matched.index.isin(_active(directory))]
    return matched[matched["arm"] == "contacted"], matched[matched["arm"] == "control"]


def _interval(row: pd.Series) -> str:
    return f"{row['difference']:.4f} [{row['difference_low']:.4f}, {row['difference_high']:.4f}]"


# ---------------------------------------------------------------------------------------------


def test_the_chain_trains_once_then_scores_with_the_kept_model(chain):
    assert "(model trained)" in chain.stdout[FIRST]
    for key in [*SCORED, "plain"]:
        assert "scored by the kept model" in chain.stdout[key], key
    # the control group is the share of the list var holdout_share says, stratified
    share = (chain.assignment["arm"] == "control").mean()
    assert abs(share - TEST_VARS["holdout_share"]) < 0.01
    # month 1's campaign is read early a month on, finally when its outcome arrives
    assert set(chain.results[MONTHS[EARLY]]["outcome_read"]) == {"early"}
    assert "final" in set(chain.results[MONTHS[-1]]["outcome_read"])


def test_the_measured_effect_recovers_the_planted_one(chain):
    contacted, control = _arms(chain, chain.deliveries[MONTHS[-1]])
    row = _row(chain.results[MONTHS[-1]], "final")
    # read back: the arms and their decline rates are the truth's outcomes of these customers
    assert (row["contacted_customers"], row["control_customers"]) == (len(contacted), len(control))
    assert row["contacted_value"] == pytest.approx(contacted["declined"].mean(), abs=1e-6)
    assert row["control_value"] == pytest.approx(control["declined"].mean(), abs=1e-6)
    assert (contacted["campaign_month"] == FIRST).all() and not control["treated"].any()
    planted = contacted["planted_effect"].mean()  # 10 points, less where the probability hit 0
    assert planted == pytest.approx(EFFECT, abs=0.01)
    print(f"final read, effect planted {planted:.4f}: measured {_interval(row)}")
    assert row["difference_low"] <= planted <= row["difference_high"], _interval(row)
    assert row["difference_high"] < 0 and row["is_informative"], _interval(row)


def test_no_effect_planted_none_measured(chain):
    contacted, control = _arms(chain, chain.plain)
    assert (contacted["planted_effect"] == 0).all()
    row = _row(chain.results["plain"], "final")
    assert (row["contacted_customers"], row["control_customers"]) == (len(contacted), len(control))
    assert row["contacted_value"] == pytest.approx(contacted["declined"].mean(), abs=1e-6)
    print(f"final read, no effect planted: measured {_interval(row)}")
    assert row["difference_low"] <= 0 <= row["difference_high"], _interval(row)
    assert not row["is_informative"]


def test_the_early_read_sees_the_revenue_kept(chain):
    month = MONTHS[EARLY]
    contacted, control = _arms(chain, chain.deliveries[month])
    row = _row(chain.results[month], "early")
    assert (row["contacted_customers"], row["control_customers"]) == (len(contacted), len(control))
    limit = float(setting("max_plausible_monthly_revenue"))  # imputed in the warehouse
    plausible = contacted[(contacted["base_revenue"] <= limit)]
    planted = (plausible["revenue"] - plausible["base_revenue"]).mean()
    print(f"early read, revenue kept planted {planted:.1f}: measured {_interval(row)}")
    assert row["difference_low"] <= planted <= row["difference_high"], _interval(row)
    assert row["difference_low"] > 0, _interval(row)


@pytest.mark.parametrize("world", ["effect", "plain"])
def test_the_realized_accuracy_is_the_truths(chain, world):
    delivery = chain.deliveries[MONTHS[-1]] if world == "effect" else chain.plain
    realized = chain.realized[MONTHS[-1] if world == "effect" else world]
    assert list(realized["score_month"]) == [FIRST]
    row = realized.iloc[0]
    scores = chain.scores.set_index("customer_id")
    matched = scores.join(_truth(delivery), how="inner", rsuffix="_truth")
    matched = matched.loc[matched.index.isin(_active(delivery))]
    assert (row["scored_customers"], row["matched_customers"]) == (len(scores), len(matched))
    # the realized ROC-AUC: month 1's scores against the truth's outcomes three months on
    expected = roc_auc_score(matched["declined"], matched["decline_probability"])
    print(f"{world}: realized ROC-AUC {row['roc_auc']:.4f}, from the truth {expected:.4f}")
    assert row["roc_auc"] == pytest.approx(expected, abs=1e-9)
    # the high band's realized decline share: its customers' outcomes in the truth
    top = matched[matched["risk_band"] == next(iter(risk_bands()))]
    assert row["high_band_customers"] == len(top)
    assert row["high_band_declined_share"] == pytest.approx(top["declined"].mean(), abs=1e-9)
    # which are draws of the truth's probabilities: the share within their sampling error
    p = top["decline_probability_truth"]
    assert abs(row["high_band_declined_share"] - p.mean()) <= 4 * math.sqrt(
        (p * (1 - p)).sum()
    ) / len(p)
