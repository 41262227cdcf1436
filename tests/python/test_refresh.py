"""The safe refresh (one_click.refresh), end to end in a copy of the project.

One good build (module fixture) and one more while readers hold the published file open; every
broken delivery is refused by validation in well under a second, before dbt starts.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, BadInput, read_rows, write_rows

from one_click import refresh

DUCKDB_CLI = Path(sys.executable).parent / "duckdb"
IGNORED = {".git", ".venv", "target", "logs", "warehouse", "__pycache__", ".pytest_cache"}


# ---------------------------------------------------------------------------------------------
# Helpers


def _project_files() -> list[str]:
    """The files git tracks (as they are in the working tree); never the warehouse."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached"],
            cwd=PROJECT_DIR,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        return [
            str(p.relative_to(PROJECT_DIR))
            for p in PROJECT_DIR.rglob("*")
            if p.is_file() and not IGNORED & set(p.relative_to(PROJECT_DIR).parts)
        ]


def _copy_project(target: Path) -> None:
    for name in _project_files():
        source = PROJECT_DIR / name
        if not source.is_file() or IGNORED & set(Path(name).parts):
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name)
        shutil.copymode(source, target / name)
        os.chmod(target / name, os.stat(target / name).st_mode | 0o200)


def run_refresh(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_PROFILES_DIR": str(root)}
    env["ONE_CLICK_HOME"] = str(root)
    for name in ("ONE_CLICK_WAREHOUSE", "PYTHONPATH"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "one_click.refresh", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _explain(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def _published(warehouse: Path) -> dict[str, tuple[int, str]]:
    """(inode, sha256) of every published file: equal means not even renamed over."""
    paths = [warehouse / refresh.WAREHOUSE_FILE, warehouse / refresh.REPORT_FILE]
    paths += sorted((warehouse / refresh.MODEL_DIR).rglob("*"))
    return {
        str(p.relative_to(warehouse)): (p.stat().st_ino, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in paths
        if p.is_file()
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _query(database: Path, sql: str):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


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
def project(tmp_path_factory) -> Project:
    """A copy of the project with one good refresh published (full dbt build: the slow part)."""
    root = tmp_path_factory.mktemp("project")
    _copy_project(root)
    result = run_refresh(root)
    assert result.returncode == 0, _explain(result)
    warehouse = root / "warehouse"
    assert "refresh done" in result.stdout
    assert not (warehouse / refresh.BUILD_DIR).exists(), "the build dir is removed after publishing"
    return Project(root, warehouse, _sha(warehouse / refresh.WAREHOUSE_FILE))


# ---------------------------------------------------------------------------------------------
# Bad input is refused before dbt runs, and nothing published changes


def test_bad_input_is_refused_and_published_files_are_unchanged(project, bad_input: BadInput):
    before = _published(project.warehouse)
    good = (project.root / "seeds" / bad_input.file).read_bytes()
    bad_input.apply(project.root / "seeds")
    try:
        started = time.monotonic()
        result = run_refresh(project.root)
        elapsed = time.monotonic() - started
    finally:
        (project.root / "seeds" / bad_input.file).write_bytes(good)
    assert result.returncode == refresh.EXIT_INPUT, _explain(result)
    assert "REFRESH FAILED at step 1 of 6 (validate inputs)" in result.stderr
    for fragment in bad_input.expected:
        assert fragment in result.stderr
    assert "== 2/5 dbt build" not in result.stdout, "validation must stop it before dbt"
    assert elapsed < 15
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
    assert result.returncode == refresh.EXIT_BUILD, _explain(result)
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
    assert result.returncode == refresh.EXIT_BUSY, _explain(result)
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


@pytest.fixture(scope="module")
def second_refresh(project) -> SecondRefresh:
    """Refresh with one customer's profit changed while two readers hold the published file."""
    customer, old_profit = _query(
        project.database,
        "select customer_id, profit from customers.customer_features order by customer_id limit 1",
    )[0]
    new_profit = round(old_profit + 1.11, 2)
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
        _sha(project.database) if project.database.exists() else "",
    )


def test_open_readers_do_not_block_the_refresh(project, second_refresh):
    assert second_refresh.result.returncode == 0, _explain(second_refresh.result)
    # the held connections kept reading the file they opened, undisturbed
    old = str(second_refresh.old_profit)
    assert second_refresh.python_reader == (old, old)
    assert "still reading,1297" in second_refresh.cli_reader
    # a new connection sees the new data
    assert _query(project.database, _profit_of(second_refresh.customer)) == [
        (second_refresh.new_profit,)
    ]
    assert second_refresh.second_build_sha != project.first_build_sha
    assert _sha(project.warehouse / "previous" / refresh.WAREHOUSE_FILE) == project.first_build_sha
    assert not (project.warehouse / refresh.BUILD_DIR).exists(), "the failed build is cleaned up"


def test_rollback_swaps_the_previous_set_back_and_again(project, second_refresh):
    assert second_refresh.result.returncode == 0, _explain(second_refresh.result)
    previous = project.warehouse / "previous" / refresh.WAREHOUSE_FILE
    query = _profit_of(second_refresh.customer)

    result = run_refresh(project.root, "--rollback")
    assert result.returncode == 0, _explain(result)
    assert _sha(project.database) == project.first_build_sha
    assert _sha(previous) == second_refresh.second_build_sha
    assert _query(project.database, query) == [(second_refresh.old_profit,)]

    result = run_refresh(project.root, "--rollback")  # undo the rollback
    assert result.returncode == 0, _explain(result)
    assert _sha(project.database) == second_refresh.second_build_sha
    assert _sha(previous) == project.first_build_sha


def test_rollback_with_nothing_to_roll_back_to_changes_nothing(project, tmp_path):
    result = run_refresh(project.root, "--rollback", "--warehouse-dir", str(tmp_path))
    assert result.returncode == refresh.EXIT_OTHER, _explain(result)
    assert "nothing to roll back to" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [refresh.LOCK_FILE]


def test_the_report_is_published_beside_the_warehouse(project, second_refresh):
    for directory in (project.warehouse, project.warehouse / "previous"):
        html = (directory / refresh.REPORT_FILE).read_text(encoding="utf-8")
        assert html.lstrip().lower().startswith("<!doctype html")


def test_published_report_numbers_match_the_published_warehouse(project):
    from test_report import parse

    shown = parse((project.warehouse / refresh.REPORT_FILE).read_text(encoding="utf-8")).by_id
    with duckdb.connect(str(project.database), read_only=True) as con:
        model, auc = con.sql(
            "select model_family, oof_roc_auc from ml.model_leaderboard where is_selected"
        ).fetchone()
        (high_risk,) = con.sql(
            "select count(*) from ml.customer_scores where risk_band = 'high'"
        ).fetchone()
        (customers,) = con.sql("select count(*) from customers.customer_features").fetchone()
        (at_risk,) = con.sql(
            "select sum(profit_at_risk) from marketing.retention_targets"
        ).fetchone()
    assert customers == 1297
    assert shown["summary-model"] == model
    assert shown["summary-auc"] == f"{auc:.3f}"
    assert shown["summary-high-risk"] == f"{high_risk:,}"
    assert shown["summary-customers"] == f"{customers:,}"
    assert shown["retention-profit-at-risk"] == f"{at_risk:,.1f}"


def test_the_refresh_writes_the_lineage_docs_offline(project):
    page = project.root / "target" / "static_index.html"
    html = page.read_text(encoding="utf-8")
    # the lineage runs from the seeds to the report and the analysts' views (exposures)
    for node in ("exposure.one_click.retention_report", "exposure.one_click.analyst_segment_views",
                 "seed.one_click.market_file"):
        assert node in html


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
    assert int.from_bytes(header[12:20], "little") in refresh.READABLE_STORAGE_VERSIONS


# ---------------------------------------------------------------------------------------------
# Publishing and rolling back, on plain files (no dbt)


def _fake_set(directory: Path, tag: str, model: bool = True, report: bool = True) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / refresh.WAREHOUSE_FILE).write_text(f"db {tag}")
    if report:
        (directory / refresh.REPORT_FILE).write_text(f"report {tag}")
    if model:
        (directory / refresh.MODEL_DIR).mkdir()
        (directory / refresh.MODEL_DIR / "churn.skops").write_text(f"model {tag}")


def _read_set(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_publish_replaces_the_whole_set_and_keeps_the_old_one(tmp_path):
    warehouse = tmp_path / "warehouse"
    _fake_set(warehouse / ".build-1", "1")
    refresh.publish(warehouse / ".build-1", warehouse)
    assert not (warehouse / "previous").exists(), "nothing to keep on the first publish"
    old_inode = (warehouse / refresh.WAREHOUSE_FILE).stat().st_ino
    with open(warehouse / refresh.WAREHOUSE_FILE) as reader:  # a reader holding the old file
        _fake_set(warehouse / ".build-2", "2")
        refresh.publish(warehouse / ".build-2", warehouse)
        assert reader.read() == "db 1"
    assert _read_set(warehouse / "previous") == {
        "model/churn.skops": "model 1",
        "one_click.duckdb": "db 1",
        "report.html": "report 1",
    }
    # the old file moved to previous/ under a second name: not copied, not rewritten
    assert (warehouse / "previous" / refresh.WAREHOUSE_FILE).stat().st_ino == old_inode
    assert (warehouse / refresh.WAREHOUSE_FILE).read_text() == "db 2"
    assert (warehouse / refresh.REPORT_FILE).read_text() == "report 2"
    assert (warehouse / refresh.MODEL_DIR / "churn.skops").read_text() == "model 2"
    assert [p.name for p in (warehouse / ".build-2").iterdir()] == []


def test_publish_without_model_or_report_does_not_leave_stale_ones(tmp_path):
    warehouse = tmp_path / "warehouse"
    _fake_set(warehouse / ".build-1", "1")
    refresh.publish(warehouse / ".build-1", warehouse)
    _fake_set(warehouse / ".build-2", "2", model=False, report=False)
    refresh.publish(warehouse / ".build-2", warehouse)
    assert not (warehouse / refresh.MODEL_DIR).exists()
    assert not (warehouse / refresh.REPORT_FILE).exists()
    assert (warehouse / "previous" / refresh.MODEL_DIR / "churn.skops").read_text() == "model 1"


def test_rollback_on_plain_files_is_its_own_undo(tmp_path):
    warehouse = tmp_path / "warehouse"
    for tag in ("1", "2"):
        _fake_set(warehouse / f".build-{tag}", tag)
        refresh.publish(warehouse / f".build-{tag}", warehouse)
    refresh.rollback(warehouse)
    assert (warehouse / refresh.WAREHOUSE_FILE).read_text() == "db 1"
    assert (warehouse / refresh.MODEL_DIR / "churn.skops").read_text() == "model 1"
    assert (warehouse / "previous" / refresh.REPORT_FILE).read_text() == "report 2"
    refresh.rollback(warehouse)
    assert (warehouse / refresh.WAREHOUSE_FILE).read_text() == "db 2"
    assert (warehouse / refresh.MODEL_DIR / "churn.skops").read_text() == "model 2"
    staging = (".previous-", ".rollback-", ".trash-")
    assert not [p.name for p in warehouse.iterdir() if p.name.startswith(staging)]


def test_a_write_ahead_log_left_beside_the_old_file_goes_with_it(tmp_path):
    warehouse = tmp_path / "warehouse"
    _fake_set(warehouse / ".build-1", "1")
    refresh.publish(warehouse / ".build-1", warehouse)
    (warehouse / f"{refresh.WAREHOUSE_FILE}.wal").write_text("wal of db 1")
    _fake_set(warehouse / ".build-2", "2")
    refresh.publish(warehouse / ".build-2", warehouse)
    assert not (warehouse / f"{refresh.WAREHOUSE_FILE}.wal").exists()
    assert (warehouse / "previous" / f"{refresh.WAREHOUSE_FILE}.wal").read_text() == "wal of db 1"


@pytest.mark.parametrize("atomic", [True, False], ids=["renameat2", "three_renames"])
def test_exchange_swaps_two_directories(tmp_path, monkeypatch, atomic):
    if not atomic:  # a system without renameat2 falls back to three renames
        monkeypatch.setattr(refresh.ctypes, "CDLL", lambda *args, **kwargs: object())
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "file").write_text(name)
    refresh._exchange(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "a" / "file").read_text() == "b"
    assert (tmp_path / "b" / "file").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
