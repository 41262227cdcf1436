"""The HTML report, rendered from the small synthetic warehouse of synthetic_warehouse.py."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import parse
from synthetic_warehouse import INJECTED, build_report_warehouse

from one_click.report import WarehouseError, render
from one_click.report.__main__ import main

PROJECT_DIR = Path(__file__).resolve().parents[2]
GENERATED_AT = "2026-01-01 00:00 UTC"
HEADINGS = (
    "1. Data loading and defects",
    "2. Feature distributions by target",
    "3. Correlations",
    "4. Churn model",
    "5. Segments",
    "6. Retention targets",
    "7. Month after month",
)
INLINE_PNG = '<img src="data:image/png;base64,'


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build_report_warehouse(tmp_path_factory.mktemp("report") / "synthetic.duckdb")


@pytest.fixture(scope="module")
def report(warehouse) -> str:
    path = render(warehouse, warehouse.parent / "report.html", generated_at=GENERATED_AT)
    return path.read_text(encoding="utf-8")


def scalar(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_report_has_every_section_in_order(report):
    page = parse(report)
    assert tuple(page.headings) == HEADINGS
    for anchor in ("data", "features", "correlations", "model", "segments", "targets", "monthly"):
        assert f'href="#{anchor}"' in report and f'id="{anchor}"' in report


def test_figures_are_inline_pngs(report):
    page = parse(report)
    assert report.count(INLINE_PNG) >= 6
    assert len(page.images) == report.count(INLINE_PNG)  # no image from anywhere else
    for src in page.images:
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_report_needs_nothing_from_outside(report):
    assert "http://" not in report and "https://" not in report
    assert "<link" not in report and "<script" not in report and "url(" not in report
    assert "@import" not in report


def test_text_from_the_warehouse_is_escaped(report):
    assert INJECTED not in report
    escaped = INJECTED.replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
    # once from rpt_data_defects, once from rpt_segment_recommendations
    assert report.count(escaped) == 2


def test_summary_numbers_match_the_warehouse(report, warehouse):
    shown = parse(report).by_id
    with duckdb.connect(str(warehouse), read_only=True) as con:
        summary = con.execute("select * from reporting.rpt_summary").df().iloc[0]
        curve = con.execute(
            "select count(*), max(cumulative_profit_at_risk) from reporting.rpt_retention_curve"
        ).fetchone()
    assert shown["summary-model"] == summary["selected_model"]
    assert shown["summary-auc"] == f"{summary['selected_oof_roc_auc']:.3f}"
    assert shown["summary-high-risk"] == f"{summary['high_risk_customers']:,}"
    assert shown["summary-profit-at-risk"] == f"{summary['profit_at_risk']:,.1f}"
    assert shown["summary-customers"] == f"{summary['customers']:,}"
    assert shown["retention-target-count"] == f"{curve[0]:,}"
    assert shown["retention-profit-at-risk"] == f"{curve[1]:,.1f}"


def row_starting(rows: list[list[str]], *first: str) -> list[str]:
    """The one table row whose first cells are `first`."""
    found = [row for row in rows if tuple(row[: len(first)]) == first]
    assert len(found) == 1, (first, found)
    return found[0]


def test_tables_show_the_warehouse_numbers(report, warehouse):
    rows = parse(report).rows
    with duckdb.connect(str(warehouse), read_only=True) as con:
        board = con.execute(
            """
            select cv_rank, model_family, is_selected, cv_roc_auc_mean, cv_roc_auc_std,
                oof_roc_auc, holdout_roc_auc, oof_brier_score, oof_calibration_error
            from reporting.rpt_model_leaderboard
            """
        ).fetchall()
        relations = con.execute(
            "select row_count from reporting.rpt_layer_counts where relation = 'raw.market_money'"
        ).fetchone()[0]
        segments = con.execute(
            """
            select segment_family, segment_name, customers, customer_share,
                mean_decline_probability, monthly_profit, profit_at_risk, profit_at_risk_share
            from reporting.rpt_segment_summary
            """
        ).fetchall()
        first_target = con.execute(
            """
            select customer_id, decline_probability, profit, profit_at_risk,
                cumulative_profit_at_risk
            from reporting.rpt_retention_targets where priority_rank = 1
            """
        ).fetchone()
        defects = con.execute(
            "select defect, rows_affected, customers_affected from reporting.rpt_data_defects"
        ).fetchall()
    for rank, family, selected, *scores in board:
        name = f"{family} (selected)" if selected else family
        assert row_starting(rows, str(rank), name)[2:8] == [f"{v:.3f}" for v in scores]
    assert row_starting(rows, "raw", "raw.market_money")[2] == f"{relations:,}"
    for family, name, customers, share, probability, profit, at_risk, at_risk_share in segments:
        family, name = family.replace("_", " "), name.replace("_", " ")
        row = row_starting(rows, family, name, f"{customers:,}", f"{share:.1%}")
        assert row[4:] == [
            f"{probability:.3f}",
            f"{profit:,.1f}",
            f"{at_risk:,.1f}",
            f"{at_risk_share:.1%}",
        ]
    customer, probability, profit, at_risk, cumulative = first_target
    assert row_starting(rows, "1", str(customer))[2:6] == [
        f"{probability:.3f}",
        f"{profit:,.2f}",
        f"{at_risk:,.2f}",
        f"{cumulative:,.1f}",
    ]
    for defect, affected_rows, affected_customers in defects:
        row = next(r for r in rows if len(r) == 7 and r[2] == defect)
        assert row[4:6] == [f"{affected_rows:,}", f"{affected_customers:,}"]


def test_rendering_is_deterministic_but_for_the_generated_at_line(warehouse, tmp_path, report):
    assert f"Generated at {GENERATED_AT} from" in report
    stamped = render(warehouse, tmp_path / "now.html").read_text(encoding="utf-8")
    assert GENERATED_AT not in stamped
    assert re.sub(r"Generated at [^<]*? from", "", stamped) == re.sub(
        r"Generated at [^<]*? from", "", report
    )


# ---------------------------------------------------------------------------------------------
# failures: a missing warehouse or table stops the report with a message naming it


def test_missing_warehouse_is_an_error(tmp_path, capsys):
    output = tmp_path / "report.html"
    assert main(["--warehouse", str(tmp_path / "nowhere.duckdb"), "--output", str(output)]) != 0
    assert "warehouse not found" in capsys.readouterr().err
    assert not output.exists()


@pytest.mark.parametrize(
    "relation",
    [
        "reporting.rpt_feature_importance",
        "reporting.rpt_retention_targets",
        "reporting.rpt_data_defects",
    ],
)
def test_missing_table_is_an_error_naming_it(warehouse, tmp_path, relation, capsys):
    broken = shutil.copyfile(warehouse, tmp_path / "broken.duckdb")
    with duckdb.connect(str(broken)) as con:
        con.execute(f"drop table {relation}")
    output = tmp_path / "report.html"
    with pytest.raises(WarehouseError, match=re.escape(f"table {relation}")):
        render(broken, output)
    assert main(["--warehouse", str(broken), "--output", str(output)]) != 0
    error = capsys.readouterr().err
    assert f"table {relation}" in error and str(broken) in error
    assert not output.exists()


def test_a_warehouse_locked_by_a_writer_is_an_error_not_a_traceback(warehouse, tmp_path):
    locked = shutil.copyfile(warehouse, tmp_path / "locked.duckdb")
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]);"
         " print('open', flush=True); sys.stdin.read()", str(locked)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(WarehouseError, match="cannot open warehouse .*locked.duckdb"):
            render(locked, tmp_path / "report.html")
    finally:
        writer.communicate("", timeout=30)


def test_a_view_that_no_longer_binds_is_an_error_naming_it(warehouse, tmp_path):
    broken = shutil.copyfile(warehouse, tmp_path / "broken.duckdb")
    with duckdb.connect(str(broken)) as con:
        con.execute("create table main.counts as select * from reporting.rpt_layer_counts")
        con.execute("drop table reporting.rpt_layer_counts")
        con.execute("create view reporting.rpt_layer_counts as select * from main.counts")
        con.execute("drop table main.counts")
    with pytest.raises(WarehouseError, match="cannot read reporting.rpt_layer_counts"):
        render(broken, tmp_path / "report.html")


def test_missing_column_is_an_error_naming_it(warehouse, tmp_path):
    broken = shutil.copyfile(warehouse, tmp_path / "broken.duckdb")
    with duckdb.connect(str(broken)) as con:
        con.execute("alter table reporting.rpt_risk_bands drop column max_probability")
    with pytest.raises(
        WarehouseError, match=re.escape("column reporting.rpt_risk_bands.max_probability")
    ):
        render(broken, tmp_path / "report.html")


def test_a_draft_marks_the_parts_whose_tables_are_missing(warehouse, tmp_path):
    draft = shutil.copyfile(warehouse, tmp_path / "draft.duckdb")
    with duckdb.connect(str(draft)) as con:
        con.execute("drop table reporting.rpt_retention_targets")
        con.execute("drop table reporting.rpt_feature_importance")
    output = tmp_path / "draft.html"
    assert main(["--draft", "--warehouse", str(draft), "--output", str(output)]) == 0
    html = output.read_text(encoding="utf-8")
    page = parse(html)
    assert tuple(page.headings) == HEADINGS
    notes = re.findall(r'<p class="not-built">Not built yet: (.*?)\. This is a draft', html)
    assert notes == [
        "table reporting.rpt_feature_importance",
        "table reporting.rpt_retention_targets",
    ]
    # the parts whose tables exist are all there
    assert html.count(INLINE_PNG) >= 6
    assert page.by_id["summary-auc"] and "retention-target-count" not in page.by_id


def test_command_line_writes_the_report(warehouse, tmp_path, capsys):
    output = tmp_path / "cli" / "report.html"
    assert main(["--warehouse", str(warehouse), "--output", str(output)]) == 0
    assert f"report written to {output}" in capsys.readouterr().out
    assert output.read_text(encoding="utf-8").count(INLINE_PNG) >= 6


def test_module_entry_point_fails_clearly(tmp_path):
    missing = subprocess.run(
        [sys.executable, "-m", "one_click.report", "--warehouse", str(tmp_path / "none.duckdb"),
         "--output", str(tmp_path / "none.html")],
        cwd=PROJECT_DIR, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert missing.returncode != 0
    assert "warehouse not found" in missing.stderr and "none.duckdb" in missing.stderr
    assert not (tmp_path / "none.html").exists()
