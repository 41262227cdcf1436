"""A month is never left without a contact list: not by one bad training month (the quality gate
keeps the new model out and the kept model scores the month), not by a month whose labels hold
one class (the statistics they cannot support are skipped with a note).

The session's shared refresh of the embedded delivery (seeds_refresh) is the month before; each
test refreshes a copy of it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from deliveries import read_rows, write_rows
from helpers import copy_tree, explain, query, run_refresh, with_vars

from one_click import monthly, publish
from one_click.ml import gate
from one_click.validate import seeds_dir

pytestmark = pytest.mark.slow

LABEL = "Покупательская активность"
DECLINED = "Снизилась"
NEXT_MONTH = "2026-11"  # after the embedded delivery's (var delivery_month)
NEW_SAMPLE = 400


@pytest.fixture(scope="module")
def trained(seeds_refresh):
    """The published month before: a model trained and kept on the embedded delivery."""
    return seeds_refresh.root


def _with_labels(source, target, relabel):
    """A copy of the delivery in `source` whose market_file labels are relabel(labels)."""
    target.mkdir()
    for path in source.glob("*.csv"):
        rows = read_rows(path)
        if path.stem == "market_file":
            header = rows[0].lstrip("\ufeff").split(",")
            column = header.index(LABEL)
            body = [row.split(",") for row in rows[1:] if row]
            labels = relabel([cells[column] for cells in body])
            for cells, label in zip(body, labels, strict=True):
                cells[column] = label
            rows = [rows[0], *(",".join(cells) for cells in body), ""]
        write_rows(target / path.name, rows)
    return target


def _version(root) -> str:
    return json.loads((root / "warehouse/model/churn_model.json").read_text())["version"]


def test_a_new_model_below_the_bar_is_not_published_and_the_kept_model_scores(trained, tmp_path):
    # the new model is searched and trained on a model sample of 400 customers (a sample of
    # 1,297 only costs more: the gate fails on shuffled labels either way), by one worker process
    root = copy_tree(trained, tmp_path / "project")
    with_vars(root, model_sample_size=NEW_SAMPLE, workers=1)
    kept = _version(root)
    rng = np.random.default_rng(42)
    shuffled = _with_labels(
        seeds_dir(root), tmp_path / "shuffled", lambda labels: list(rng.permutation(labels))
    )
    result = run_refresh(root, "--delivery", str(shuffled), "--month", NEXT_MONTH)
    assert result.returncode == 0, explain(result)
    assert "the new model is NOT published" in result.stdout
    assert "dbt build again, in score mode" in result.stdout
    assert "failed the quality gate" in result.stdout
    info = monthly.release_info(publish.current_release(root / "warehouse"))
    assert (info["month"], info["mode"], info["quality_gate"]) == (
        NEXT_MONTH,
        monthly.SCORE,
        gate.KEEP_KEPT_MODEL,
    )
    assert _version(root) == kept  # the kept model stays
    database = root / "warehouse/one_click.duckdb"
    [(note, trained_here)] = query(
        database, "select quality_gate_note, model_trained_in_this_build from reporting.rpt_summary"
    )
    assert "NOT published" in note and trained_here is False
    [(listed,)] = query(database, "select count(*) from marketing.contact_list")
    assert listed > 0
    assert (root / "warehouse/contact_list.csv").is_file()


def test_a_month_whose_customers_all_declined_is_still_scored(trained, tmp_path):
    root = copy_tree(trained, tmp_path / "project")
    from one_click import synth

    made = synth.generate(40, tmp_path / "drawn", seed=3)
    delivery = _with_labels(made, tmp_path / "declined", lambda labels: [DECLINED] * len(labels))
    result = run_refresh(root, "--score", "--delivery", str(delivery), "--month", NEXT_MONTH)
    assert result.returncode == 0, explain(result)
    database = root / "warehouse/one_click.duckdb"
    [(scored, customers)] = query(
        database,
        "select (select count(*) from ml.customer_scores), "
        "(select count(*) from customers.customer_features)",
    )
    assert scored == customers > 30  # every customer the month delivers (a few drop out)
    notes = query(database, "select distinct note from ml.feature_importance")
    assert len(notes) == 1 and "same label" in notes[0][0]
    assert (root / "warehouse/contact_list.csv").is_file()
