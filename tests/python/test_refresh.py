"""The safe refresh (one_click.refresh), end to end in a copy of the project.

One good build (module fixture) and one more while readers hold the published file open; every
broken delivery is refused by validation in well under a second, before dbt starts.
"""

from __future__ import annotations

import fcntl
import functools
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from babel.numbers import format_decimal
from deliveries import BadInput, read_rows, write_rows
from helpers import Refreshed, copy_tree, explain, parse, query, run_refresh, sha

from one_click import publish, refresh
from one_click.i18n import REPORT_FILES, REPORT_LANGUAGES
from one_click.project import setting
from one_click.warehouse_file import READABLE_STORAGE_VERSIONS

pytestmark = pytest.mark.slow  # every test reads or runs a refresh

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"
STEP_PREFIX = f"== {{}}/{len(refresh.STEPS)} "  # how the refresh announces step N


def _published(warehouse: Path) -> dict[str, str]:
    """The release published, and the sha256 of every file the public names reach."""
    release = publish.current_release(warehouse)
    files = {"release": release.name if release else ""}
    for name in publish.PUBLISHED:
        path = warehouse / name
        for file in [path] if path.is_file() else sorted(path.rglob("*")):
            if file.is_file():
                files[str(file.relative_to(warehouse))] = sha(file)
    return files


def _profit_of(customer: int) -> str:
    return f"select profit from customers.customer_features where customer_id = {customer}"


@dataclass
class Project:
    root: Path
    warehouse: Path
    first_build_sha: str

    @property
    def database(self) -> Path:
        return self.warehouse / refresh.WAREHOUSE_FILE


@pytest.fixture(scope="module")
def project(seeds_refresh: Refreshed, tmp_path_factory) -> Project:
    """A copy of the project with one good refresh published (the session's shared refresh of the
    seeds, copied: these tests change it)."""
    assert "refresh done" in seeds_refresh.stdout
    root = copy_tree(seeds_refresh.root, tmp_path_factory.mktemp("project") / "project")
    warehouse = root / "warehouse"
    assert not (warehouse / refresh.BUILD_DIR).exists(), "the build dir is removed after publishing"
    return Project(root, warehouse, sha(warehouse / refresh.WAREHOUSE_FILE))


# ---------------------------------------------------------------------------------------------
# Bad input is refused before dbt runs, and nothing published changes


def test_bad_input_is_refused_and_published_files_are_unchanged(project, bad_input: BadInput):
    before = _published(project.warehouse)
    good = (project.root / "seeds" / bad_input.file).read_bytes()
    bad_input.apply(project.root / "seeds")
    try:
        result = run_refresh(project.root)
    finally:
        (project.root / "seeds" / bad_input.file).write_bytes(good)
    assert result.returncode == refresh.EXIT_INPUT, explain(result)
    assert "REFRESH FAILED at step 1 of 6 (validate inputs)" in result.stderr
    for fragment in bad_input.expected:
        assert fragment in result.stderr
    assert STEP_PREFIX.format(1) in result.stdout
    assert STEP_PREFIX.format(2) not in result.stdout, "validation must stop it before dbt"
    assert "make rollback" in result.stderr
    assert _published(project.warehouse) == before
    assert not (project.warehouse / refresh.BUILD_DIR).exists()


def test_failing_dbt_test_is_refused_naming_file_and_column(project):
    """A share above 1 passes the pre-flight (it checks only >= 0) and fails a dbt test."""
    before = _published(project.warehouse)
    seeds = project.root / "seeds"
    good = (seeds / "market_file.csv").read_bytes()
    rows = read_rows(seeds / "market_file.csv")
    assert rows[2].startswith("215349,") and ",0.75," in rows[2]
    rows[2] = rows[2].replace(",0.75,", ",1.5,")
    write_rows(seeds / "market_file.csv", rows)
    try:
        result = run_refresh(project.root)
    finally:
        (seeds / "market_file.csv").write_bytes(good)
    assert result.returncode == refresh.EXIT_BUILD, explain(result)
    message = result.stderr
    assert "REFRESH FAILED at step 2 of 6 (dbt build)" in message
    assert "value_between on stg_shop__customers, column promo_purchase_share" in message
    assert 'from market_file.csv, column "Акционные_покупки"' in message
    assert "customer_id=215349" in message
    assert _published(project.warehouse) == before
    kept = project.warehouse / refresh.BUILD_DIR
    assert (kept / "logs" / "dbt.log").is_file()
    assert str(kept.relative_to(project.root)) in message


def test_a_second_refresh_at_the_same_time_is_refused(project):
    before = _published(project.warehouse)
    with open(project.warehouse / refresh.LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_refresh(project.root)
    assert result.returncode == refresh.EXIT_BUSY, explain(result)
    assert "another refresh or rollback is running" in result.stderr
    assert _published(project.warehouse) == before


# ---------------------------------------------------------------------------------------------
# Readers never block a refresh


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select profit from customers.customer_features where customer_id = " + sys.argv[2]
print(con.execute(query).fetchone()[0], flush=True)
sys.stdin.readline()  # hold the connection open until told
print(con.execute(query).fetchone()[0], flush=True)
"""


@dataclass
class SecondRefresh:
    result: subprocess.CompletedProcess
    customer: int
    old_profit: float
    new_profit: float
    python_reader: tuple[str, str]  # what the held Python connection saw before / after
    cli_reader: str  # what the held CLI connection printed
    second_build_sha: str
    after_first: dict[str, str]  # the published set before the second refresh (_published)


@pytest.fixture(scope="module")
def second_refresh(project) -> SecondRefresh:
    """Refresh with one customer's profit changed while two readers hold the published file."""
    customer, old_profit = query(
        project.database,
        "select customer_id, profit from customers.customer_features order by customer_id limit 1",
    )[0]
    new_profit = round(old_profit + 1.11, 2)
    after_first = _published(project.warehouse)
    seeds = project.root / "seeds"
    good = (seeds / "money.csv").read_bytes()
    rows = read_rows(seeds / "money.csv")
    [line] = [i for i, row in enumerate(rows) if row.startswith(f"{customer};")]
    rows[line] = f"{customer};{str(new_profit).replace('.', ',')}"
    write_rows(seeds / "money.csv", rows)

    python_reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(project.database), str(customer)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    cli_reader = subprocess.Popen(
        [str(DUCKDB_CLI), "-readonly", "-csv", str(project.database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        python_before = python_reader.stdout.readline().strip()
        cli_reader.stdin.write(
            "select count(*) as n from customers.customer_features;\n.print HOLDING\n"
        )
        cli_reader.stdin.flush()
        for out in cli_reader.stdout:
            if "HOLDING" in out:
                break
        result = run_refresh(project.root)  # both connections are open all along
        python_after, _ = python_reader.communicate("go\n", timeout=60)
        cli_reader.stdin.write(
            "select 'still reading', count(*) from customers.customer_features;\n"
        )
        cli_output, _ = cli_reader.communicate(timeout=60)
    finally:
        (seeds / "money.csv").write_bytes(good)
        for process in (python_reader, cli_reader):
            if process.poll() is None:
                process.kill()
    return SecondRefresh(
        result,
        customer,
        old_profit,
        new_profit,
        (python_before, python_after.strip()),
        cli_output,
        sha(project.database) if project.database.exists() else "",
        after_first,
    )


def test_open_readers_do_not_block_the_refresh(project, second_refresh):
    assert second_refresh.result.returncode == 0, explain(second_refresh.result)
    # the held connections kept reading the file they opened, undisturbed
    old = str(second_refresh.old_profit)
    assert second_refresh.python_reader == (old, old)
    assert "still reading,1297" in second_refresh.cli_reader
    # a new connection sees the new data
    assert query(project.database, _profit_of(second_refresh.customer)) == [
        (second_refresh.new_profit,)
    ]
    assert second_refresh.second_build_sha != project.first_build_sha
    assert sha(project.warehouse / "previous" / refresh.WAREHOUSE_FILE) == project.first_build_sha
    assert not (project.warehouse / refresh.BUILD_DIR).exists(), "the failed build is cleaned up"


def test_rollback_swaps_the_previous_set_back_and_again(project, second_refresh):
    assert second_refresh.result.returncode == 0, explain(second_refresh.result)
    previous = project.warehouse / "previous" / refresh.WAREHOUSE_FILE
    profit = _profit_of(second_refresh.customer)

    after_second = _published(project.warehouse)
    result = run_refresh(project.root, "--rollback")
    assert result.returncode == 0, explain(result)
    assert "make rollback" in result.stdout
    assert sha(project.database) == project.first_build_sha
    assert sha(previous) == second_refresh.second_build_sha
    assert query(project.database, profit) == [(second_refresh.old_profit,)]
    # the whole set came back: model, report and docs of the first build
    assert _published(project.warehouse) == second_refresh.after_first

    result = run_refresh(project.root, "--rollback")  # undo the rollback
    assert result.returncode == 0, explain(result)
    assert sha(project.database) == second_refresh.second_build_sha
    assert sha(previous) == project.first_build_sha
    assert _published(project.warehouse) == after_second


def test_rollback_with_nothing_to_roll_back_to_changes_nothing(project, tmp_path):
    result = run_refresh(project.root, "--rollback", "--warehouse-dir", str(tmp_path))
    assert result.returncode == refresh.EXIT_OTHER, explain(result)
    assert "nothing to roll back to" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [refresh.LOCK_FILE]


def test_the_report_is_published_beside_the_warehouse(project, second_refresh):
    for directory in (project.warehouse, project.warehouse / "previous"):
        for name in REPORT_FILES:
            assert (directory / name).is_file(), name
        for language in REPORT_LANGUAGES:
            html = (directory / language.output).read_text(encoding="utf-8")
            assert html.lstrip().lower().startswith("<!doctype html")
            assert f'<html lang="{language.code}">' in html


def test_published_report_numbers_match_the_published_warehouse(project):
    with duckdb.connect(str(project.database), read_only=True) as con:
        (auc,) = con.sql(
            "select oof_roc_auc from ml.model_leaderboard where is_selected"
        ).fetchone()
        (customers,) = con.sql("select count(*) from customers.customer_features").fetchone()
        # the list the marketers receive: at risk, allowing offers, less the control group
        contact, at_risk, rows_total = con.sql(
            "select count(*), max(cumulative_profit_at_risk), sum(profit_at_risk) "
            "from marketing.contact_list"
        ).fetchone()
        (control,) = con.sql("select count(*) from marketing.control_group").fetchone()
        (summary_at_risk,) = con.sql(
            "select contact_profit_at_risk from reporting.rpt_summary"
        ).fetchone()
        (eligible,) = con.execute(
            "select count(*) from marketing.customer_risk "
            "where allow_offers and list_contains(?, risk_band)",
            [setting("at_risk_bands")],
        ).fetchone()
    assert customers == 1297
    for language in REPORT_LANGUAGES:
        html = (project.warehouse / language.output).read_text(encoding="utf-8")
        shown = parse(html).by_id
        number = functools.partial(format_decimal, locale=language.babel)
        assert shown["summary-contact-customers"].startswith(number(contact) + " ")
        # the report shows rpt_summary's figure: the list's running total where it ends; each
        # row's own figure is rounded to cents, so their sum may differ by half a cent a row
        assert summary_at_risk == at_risk
        assert abs(rows_total - at_risk) <= 0.005 * contact
        shown_at_risk = shown["summary-contact-profit-at-risk"]
        assert shown_at_risk == number(summary_at_risk, "#,##0.0")
        technical = (project.warehouse / language.technical).read_text(encoding="utf-8")
        assert number(round(auc, 3), "0.000") in parse(technical).by_id["model-selected"]
        # the full contact list beside it holds the same customers
        csv = (project.warehouse / language.contact_list).read_text(encoding="utf-8-sig")
        assert len(csv.splitlines()) == contact + 1
    assert contact + control == eligible and 0 < control < contact


def _reaches(manifest: dict, start: str) -> set[str]:
    children, seen, todo = manifest["child_map"], set(), [start]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(children.get(node, []))
    return seen


def test_the_refresh_publishes_docs_whose_lineage_runs_from_every_seed(project):
    page = project.warehouse / refresh.DOCS_DIR / "index.html"
    html = page.read_text(encoding="utf-8")
    manifest = json.loads(
        (project.warehouse / refresh.DBT_TARGET_DIR / "manifest.json").read_text(encoding="utf-8")
    )
    seeds = [n for n in manifest["nodes"] if n.startswith("seed.")]
    exposures = list(manifest["exposures"])
    assert len(seeds) == 4 and len(exposures) >= 3
    for seed in seeds:
        assert seed in html
        reached = _reaches(manifest, seed)
        for exposure in exposures:  # the edges are dbt's own: nothing rebuilt by hand
            assert exposure in reached, (seed, exposure)


# ---------------------------------------------------------------------------------------------
# The analysts' DuckDB CLI reads the published file


def test_published_file_opens_in_the_duckdb_cli(project):
    def cli(sql: str) -> str:
        result = subprocess.run(
            [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(project.database), "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert cli("select count(*) from customers.customer_features") == "1297"
    # the analysts' segment views resolve their fully-qualified references in the published file
    assert int(cli("select count(*) from segments.high_risk_high_profit")) > 0
    assert cli("select version()").startswith("v1.5.")
    # every table and view reads
    relations = cli(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_catalog = 'one_click'"
    ).splitlines()
    assert "customers.customer_features" in relations
    counts = cli(" union all ".join(f"select count(*) from {r}" for r in relations))
    assert len(counts.splitlines()) == len(relations)
    # the storage format: the one every DuckDB since 0.10 writes by default and 1.5 reads
    needs = cli(
        "select tags['storage_version'] from duckdb_databases() where database_name = 'one_click'"
    )
    assert needs.startswith("v"), needs
    assert tuple(int(x) for x in needs.strip("v+").split(".")[:2]) <= (1, 5)
    with open(project.database, "rb") as handle:
        header = handle.read(20)
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") in READABLE_STORAGE_VERSIONS


def test_the_delivered_data_shows_no_drift_against_itself(project):
    """The model trains on every delivered customer (fewer than var model_sample_size), so the
    customers it scores are its training customers: a PSI of 0 for every feature."""
    [(features, largest, drifted)] = query(
        project.database,
        "select count(*), max(psi), count(*) filter (where drifted) from ml.feature_drift",
    )
    assert features > 10 and largest == 0 and drifted == 0
    release = json.loads((project.warehouse / "release.json").read_text())
    assert release["month"] == release["model_training_month"]
    assert release["drifted_features"] == []
