"""Month after month, end to end in a copy of the project: three consecutive synthetic months,
the first trained, the next two scored with the kept model (`--score`), the third with a
shifted feature; then a failed refresh, refusals of score mode, and a rollback.

The three refreshes run once (module fixture, the slow part); the tests read what they left,
in file order (the last ones change the published set).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from deliveries import read_rows, write_rows
from helpers import (
    PROJECT_DIR,
    child_env,
    copy_project,
    explain,
    query,
    run_refresh,
    sha,
    with_vars,
)

from one_click import monthly, publish, synth
from one_click.i18n import REPORT_LANGUAGES, Translator, messages
from one_click.ml.persist import MODEL_FILES
from one_click.project import setting

pytestmark = pytest.mark.slow  # every test reads the three refreshes of the chain

CUSTOMERS = 1300
MONTHS = ("2026-10", "2026-11", "2026-12")
SHIFTED = ("market_file", "Страниц_за_визит", "pages_per_visit", 6)  # file, column, feature, +
THRESHOLD = float(setting("drift_psi_threshold"))
LEADERBOARD = "select * from ml.model_leaderboard order by model_family"


@dataclass
class Chain:
    root: Path
    warehouse: Path
    deliveries: dict[str, Path]
    results: dict[str, subprocess.CompletedProcess] = field(default_factory=dict)
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # month -> sha of each file
    leaderboards: dict[str, list] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.warehouse / "one_click.duckdb"


def _files(warehouse: Path) -> dict[str, str]:
    """sha256 of every file of the published model and history."""
    return {
        str(path.relative_to(warehouse)): sha(path)
        for name in ("model", "history")
        for path in sorted((warehouse / name).rglob("*"))
        if path.is_file()
    }


def _shift(source: Path, target: Path) -> Path:
    """A copy of the delivery with one feature shifted (every customer's pages per visit + 6)."""
    table, column, _, added = SHIFTED
    target.mkdir()
    for path in source.iterdir():
        rows = read_rows(path)
        if path.stem == table:
            index = rows[0].lstrip("\ufeff").split(",").index(column)
            for number, row in enumerate(rows[1:], start=1):
                if row:
                    cells = row.split(",")
                    cells[index] = str(int(cells[index]) + added)
                    rows[number] = ",".join(cells)
        write_rows(target / path.name, rows)
    return target


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Chain:
    # one worker process: the two test processes already share the two cores
    root = with_vars(copy_project(tmp_path_factory.mktemp("monthly")), workers=1)
    out = tmp_path_factory.mktemp("deliveries")
    first = synth.generate(CUSTOMERS, out / MONTHS[0], seed=1)
    second = synth.generate(CUSTOMERS, out / MONTHS[1], seed=2)  # drawn alike: no drift
    third = _shift(second, out / MONTHS[2])
    made = Chain(root, root / "warehouse", dict(zip(MONTHS, (first, second, third), strict=True)))
    for month, score in zip(MONTHS, ((), ("--score",), ("--score",)), strict=True):
        delivery = str(made.deliveries[month])
        result = run_refresh(root, *score, "--delivery", delivery, "--month", month)
        assert result.returncode == 0, explain(result)
        made.results[month] = result
        made.files[month] = _files(made.warehouse)
        made.leaderboards[month] = query(made.database, LEADERBOARD)
    return made


def _release(warehouse: Path) -> dict:
    return monthly.release_info(publish.current_release(warehouse))


# ---------------------------------------------------------------------------------------------
# Three months: trained once, then scored by the kept model


def test_each_month_is_published_with_its_mode(chain):
    assert _release(chain.warehouse)["month"] == MONTHS[2]
    assert _release(chain.warehouse)["mode"] == monthly.SCORE
    assert "(model trained)" in chain.results[MONTHS[0]].stdout
    for month in MONTHS[1:]:
        assert "scored by the kept model" in chain.results[month].stdout
    [(month, version, trained_on, kinds)] = query(
        chain.database,
        "select any_value(month), any_value(model_version), any_value(training_month), "
        "list(distinct score_kind) from ml.customer_scores",
    )
    assert (month, trained_on) == (MONTHS[2], MONTHS[0])
    assert set(kinds) <= {"kept_model", "fold_model"}
    # a customer the kept model trained on is scored by the outer-fold model that did not
    [(wrong,)] = query(
        chain.database,
        "select count(*) from ml.customer_scores s left join "
        f"read_parquet('{chain.warehouse / 'model/churn_model.folds.parquet'}') f "
        "using (customer_id) where (f.fold is not null) <> (s.score_kind = 'fold_model')",
    )
    assert wrong == 0
    assert (
        version == json.loads((chain.warehouse / "model/churn_model.json").read_text())["version"]
    )
    [(title_month, trained_in_build)] = query(
        chain.database,
        "select score_month, model_trained_in_this_build from reporting.rpt_summary",
    )
    assert (title_month, trained_in_build) == (MONTHS[2], False)
    month = Translator.of("ru").month  # the pages name the month: «октябрь 2026»
    report = (chain.warehouse / "report.html").read_text(encoding="utf-8")
    assert re.search(rf"<h1>[^<]*<span id=\"report-month\">{month(MONTHS[2])}</span></h1>", report)
    technical = (chain.warehouse / "technical.html").read_text(encoding="utf-8")
    assert re.search(rf"id=\"model-training-month\">{month(MONTHS[0])}<", technical)


def test_score_mode_leaves_the_kept_model_byte_for_byte(chain):
    model = {name: digest for name, digest in chain.files[MONTHS[0]].items() if "model" in name}
    assert len(model) == len(MODEL_FILES)  # the kept model, its metadata, its fold models
    for month in MONTHS[1:]:
        assert {n: d for n, d in chain.files[month].items() if "model" in n} == model
    previous = publish.previous_release(chain.warehouse)
    for name, digest in model.items():
        assert sha(previous / name) == digest  # the release scored from, untouched
    # the leaderboard is the kept model's, not searched again
    [(trained,)] = query(chain.database, "select trained_in_this_build from ml.churn_model")
    assert trained is False
    assert chain.leaderboards[MONTHS[2]] == chain.leaderboards[MONTHS[1]]
    assert chain.leaderboards[MONTHS[1]] == chain.leaderboards[MONTHS[0]]


def test_the_readme_snippet_scores_like_the_pipeline_from_any_directory(chain, tmp_path):
    page = (PROJECT_DIR / "docs" / "model.md").read_text(encoding="utf-8")
    section = page.split("## Scoring without retraining", 1)[1].split("\n## ", 1)[0]
    [snippet] = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    output = tmp_path / "scores.parquet"
    code = snippet + f"\nscores.to_parquet({str(output)!r})\n"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd="/tmp",
        env=child_env(chain.root),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    scores = pd.read_parquet(output).set_index("customer_id").sort_index()
    expected = pd.DataFrame(
        query(
            chain.database,
            "select customer_id, decline_probability, risk_band from ml.customer_scores",
        ),
        columns=["customer_id", "decline_probability", "risk_band"],
    ).set_index("customer_id")
    expected = expected.sort_index()
    assert scores.index.equals(expected.index)
    assert np.allclose(scores["decline_probability"], expected["decline_probability"], atol=1e-12)
    assert (scores["risk_band"].astype(str) == expected["risk_band"]).all()


def _inactive(chain: Chain) -> int:
    [(customers,)] = query(chain.database, "select count(*) from customers.customer_features")
    return CUSTOMERS - customers


# ---------------------------------------------------------------------------------------------
# Drift: quiet on a delivery drawn alike, firing on a shifted feature


def _drift(chain: Chain) -> dict[str, tuple[float, bool]]:
    rows = query(chain.database, "select feature, psi, drifted from reporting.rpt_feature_drift")
    return {feature: (psi, drifted) for feature, psi, drifted in rows}


def test_drift_is_quiet_without_a_shift_and_fires_on_one(chain):
    quiet = chain.results[MONTHS[1]].stdout
    assert "no feature beyond the PSI threshold" in quiet and "WARNING: feature drift" not in quiet
    assert _release(chain.warehouse)["drifted_features"] == [SHIFTED[2]]
    fired = chain.results[MONTHS[2]].stdout
    warning = next(line for line in fired.splitlines() if "WARNING: feature drift" in line)
    assert f"{SHIFTED[2]} (PSI" in warning and "Retraining is recommended" in warning
    drift = _drift(chain)
    assert drift[SHIFTED[2]][0] > THRESHOLD and drift[SHIFTED[2]][1]
    assert [f for f, (_, drifted) in drift.items() if drifted] == [SHIFTED[2]]
    for language in REPORT_LANGUAGES:  # the drift section and the advice, in both technical pages
        report = (chain.warehouse / language.technical).read_text(encoding="utf-8")
        assert 'id="drift-summary"' in report, language.technical
        assert messages()["report.monthly.retrain"][language.code] in report, language.technical


def test_the_training_month_shows_no_drift_against_itself(chain):
    """The kept model's training customers (every customer at this size) against themselves."""
    previous = publish.previous_release(chain.warehouse)
    assert monthly.release_info(previous)["month"] == MONTHS[1]
    first = chain.results[MONTHS[0]].stdout
    assert "no feature beyond the PSI threshold" in first


# ---------------------------------------------------------------------------------------------
# The history: every month once, the movement between the last two


def _history(database: Path) -> pd.DataFrame:
    rows = query(
        database,
        "select month, customer_id, risk_band, decline_probability "
        "from history.customer_score_history",
    )
    return pd.DataFrame(rows, columns=["month", "customer_id", "risk_band", "probability"])


def test_the_history_holds_every_month_once(chain):
    history = _history(chain.database)
    assert sorted(history["month"].unique()) == list(MONTHS)
    assert not history.duplicated(["month", "customer_id"]).any()
    assert (history.groupby("month").size() == CUSTOMERS - _inactive(chain)).all()
    current, previous = (
        publish.current_release(chain.warehouse),
        publish.previous_release(chain.warehouse),
    )
    for month in MONTHS[:2]:  # linked from release to release, never rewritten
        name = f"history/month={month}/scores.parquet"
        assert os.path.samefile(current / name, previous / name)
        assert sha(current / name) == chain.files[MONTHS[1]][name] == chain.files[month][name]
    # the month's file holds what the warehouse scored that month
    [(probability,)] = query(
        chain.database,
        f"select sum(decline_probability) from read_parquet('{current}/history/month="
        f"{MONTHS[2]}/scores.parquet')",
    )
    [(expected,)] = query(chain.database, "select sum(decline_probability) from ml.customer_scores")
    assert probability == pytest.approx(expected, rel=1e-12)


def test_the_band_movement_is_counted_between_the_last_two_months(chain):
    history = _history(chain.database)
    before = history[history["month"] == MONTHS[1]].set_index("customer_id")["risk_band"]
    now = history[history["month"] == MONTHS[2]].set_index("customer_id")["risk_band"]
    rows = query(
        chain.database,
        "select previous_month, risk_band, customers_now, customers_before, entered, left_band, "
        "new_customers, gone_customers from reporting.rpt_band_movement",
    )
    assert rows, "no movement rows"
    joined = pd.concat([now.rename("now"), before.rename("before")], axis=1)
    for previous, band, now_n, before_n, entered, left, new, gone in rows:
        assert previous == MONTHS[1]
        assert now_n == (joined["now"] == band).sum()
        assert before_n == (joined["before"] == band).sum()
        assert entered == ((joined["now"] == band) & (joined["before"] != band)).sum()
        assert left == ((joined["before"] == band) & (joined["now"] != band)).sum()
        assert new == gone == 0  # the same customers both months
    entrants = query(
        chain.database,
        "select customer_id, previous_risk_band, profit from reporting.rpt_high_band_entrants "
        "order by profit_rank",
    )
    moved = joined[(joined["now"] == "high") & (joined["before"] != "high")]
    assert len(entrants) == min(len(moved), int(setting("report_entrants_shown")))
    assert {customer for customer, _, _ in entrants} <= set(moved.index)
    assert all(band != "high" for _, band, _ in entrants)
    profits = [profit for _, _, profit in entrants]
    assert profits == sorted(profits, reverse=True)


# ---------------------------------------------------------------------------------------------
# Failed refreshes and refusals change nothing; a rollback takes its month out


def _published(chain: Chain) -> tuple[str, dict[str, str]]:
    return publish.current_release(chain.warehouse).name, _files(chain.warehouse)


def test_a_failed_refresh_loses_no_month(chain, tmp_path):
    before = _published(chain)
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in chain.deliveries[MONTHS[2]].iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    rows = read_rows(broken / "money.csv")
    rows[2] = rows[2].split(";")[0] + ";abc"
    write_rows(broken / "money.csv", rows)
    failed = run_refresh(chain.root, "--score", "--delivery", str(broken), "--month", "2027-01")
    assert failed.returncode == 1, explain(failed)
    older = run_refresh(chain.root, "--delivery", str(broken), "--month", MONTHS[0])
    assert older.returncode == 1 and f"older than the last published month {MONTHS[2]}" in (
        older.stderr
    )
    malformed = run_refresh(chain.root, "--month", "2026-13")
    assert malformed.returncode == 1 and "no such month" in malformed.stderr
    assert _published(chain) == before


def test_score_mode_is_refused_without_a_kept_model_or_with_one_that_cannot_serve(chain, tmp_path):
    before = _published(chain)
    empty = tmp_path / "empty"
    nothing = run_refresh(chain.root, "--score", "--warehouse-dir", str(empty))
    assert nothing.returncode == 6 and "score mode needs a kept model" in nothing.stderr
    # a project whose site-time table now has one period: the kept model cannot serve it
    other = copy_project(tmp_path / "project")
    config = other / "dbt_project.yml"
    text = config.read_text(encoding="utf-8")
    layout = "site_time_periods: [current_month, previous_month]"
    assert layout in text
    config.write_text(text.replace(layout, "site_time_periods: [current_month]"), "utf-8")
    refused = run_refresh(
        other,
        "--score",
        "--warehouse-dir",
        str(chain.warehouse),
        "--delivery",
        str(chain.deliveries[MONTHS[2]]),
        "--month",
        "2027-01",
    )
    assert refused.returncode == 6, explain(refused)
    assert "the period layout changed" in refused.stderr and "site_time_periods" in refused.stderr
    assert _published(chain) == before


def test_a_rollback_takes_its_month_out_of_the_history_and_only_that(chain):
    assert run_refresh(chain.root, "--rollback").returncode == 0
    assert sorted(_history(chain.database)["month"].unique()) == list(MONTHS[:2])
    assert _files(chain.warehouse) == chain.files[MONTHS[1]]
    assert run_refresh(chain.root, "--rollback").returncode == 0  # and back
    assert sorted(_history(chain.database)["month"].unique()) == list(MONTHS)
    assert _files(chain.warehouse) == chain.files[MONTHS[2]]
