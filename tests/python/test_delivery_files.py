"""A delivery as files: the four files read in place by DuckDB (dbt source `delivery`), as CSV in
the delivered format or as Parquet, never loaded as seeds."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from deliveries import DELIVERED_FILES, PROJECT_DIR, ParquetEdit, read_rows, to_parquet, write_rows
from helpers import child_env, copy_project, copy_tree, explain, run_refresh, with_vars

from one_click import synth
from one_click.project import setting
from one_click.validate import validate_delivery

pytestmark = pytest.mark.slow  # every test runs dbt build or a refresh

FEATURES = "select * from customers.customer_features order by customer_id"


def _dbt_build(root: Path, database: Path, *args: str) -> subprocess.CompletedProcess:
    env = child_env(root) | {"ONE_CLICK_WAREHOUSE": str(database)}
    dbt = str(Path(sys.executable).parent / "dbt")
    command = [dbt, "build", "-s", "+customer_features", "+data_defects", *args]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def from_seeds(project, tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("seeds") / "one_click.duckdb"
    result = _dbt_build(project, database)
    assert result.returncode == 0, explain(result)
    return database


@pytest.mark.parametrize("parquet", [False, True], ids=["csv", "parquet"])
def test_the_delivered_files_read_in_place_build_what_the_seeds_build(
    project, from_seeds, tmp_path, parquet
):
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    for name in DELIVERED_FILES:
        shutil.copyfile(PROJECT_DIR / "seeds" / name, delivery / name)
        if parquet:
            to_parquet(delivery, Path(name).stem)
    formats = {Path(n).stem: "parquet" if parquet else "csv" for n in DELIVERED_FILES}
    database = tmp_path / "files" / "one_click.duckdb"
    variables = json.dumps({"delivery_dir": str(delivery), "delivery_formats": formats})
    result = _dbt_build(project, database, "--vars", variables)
    assert result.returncode == 0, explain(result)
    with duckdb.connect(str(database), read_only=True) as con:
        built = con.sql(FEATURES).df()
        schemas = {
            r[0] for r in con.sql("select table_schema from information_schema.tables").fetchall()
        }
        files = {r[0] for r in con.sql("select file_name from quality.data_defects").fetchall()}
    with duckdb.connect(str(from_seeds), read_only=True) as con:
        expected = con.sql(FEATURES).df()
    assert built.equals(expected)
    assert "raw" not in schemas, "a delivery as files is never loaded as seeds"
    suffix = "parquet" if parquet else "csv"
    # the defects name the file as it was delivered (money.* has none)
    assert files == {
        f"{table}.{suffix}" for table in ("market_file", "market_money", "market_time")
    }


def test_a_refresh_from_a_parquet_delivery_publishes_a_self_contained_set(tmp_path, seeds_refresh):
    # scored by the shared refresh's kept model (training from a delivery of files is the monthly
    # chain's first month, test_monthly.py): the same build reads the files either way
    # a model sample of 400 of the 1,500 customers (score mode's explanations and permutation
    # importance run on it, and this test reads neither), one worker process
    root = copy_tree(seeds_refresh.root, tmp_path / "project")
    with_vars(root, model_sample_size=400, workers=1)
    delivery = synth.generate(1500, tmp_path / "delivery", fmt="parquet")
    result = run_refresh(root, "--score", "--delivery", str(delivery))
    assert result.returncode == 0, explain(result)
    warehouse = root / "warehouse"
    manifest = json.loads((warehouse / ".dbt-target" / "manifest.json").read_text())
    assert sorted(manifest["sources"]) == [
        f"source.one_click.delivery.{Path(n).stem}" for n in sorted(DELIVERED_FILES)
    ]
    assert not [n for n in manifest["nodes"] if n.startswith("seed.")]
    staging = manifest["nodes"]["model.one_click.stg_shop__customers"]
    assert staging["depends_on"]["nodes"] == ["source.one_click.delivery.market_file"]
    shutil.rmtree(delivery)  # the published warehouse does not read the delivery again
    with duckdb.connect(str(warehouse / "one_click.duckdb"), read_only=True) as con:
        relations = con.sql(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
        for (relation,) in relations:
            con.sql(f"select count(*) from {relation}").fetchone()
        (delivered,) = con.sql(
            "select rows_affected from quality.data_defects where defect like 'none%'"
        ).fetchone()
    assert delivered == 1500


def _delivery(target: Path) -> Path:
    target.mkdir()
    for name in DELIVERED_FILES:
        shutil.copyfile(PROJECT_DIR / "seeds" / name, target / name)
    return target


def _source_location(delivery: Path, scratch: Path, table: str) -> str:
    """The source's read_csv/read_parquet call as dbt compiles it for this delivery."""
    dbt = str(Path(sys.executable).parent / "dbt")
    variables = json.dumps({"delivery_dir": str(delivery)})
    command = [dbt, "parse", "--vars", variables, "--target-path", str(scratch / "target")]
    command += ["--log-path", str(scratch / "logs")]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=child_env(PROJECT_DIR), capture_output=True, text=True
    )
    assert result.returncode == 0, explain(result)
    manifest = json.loads((scratch / "target" / "manifest.json").read_text(encoding="utf-8"))
    return manifest["sources"][f"source.one_click.delivery.{table}"]["config"]["external_location"]


@pytest.mark.slow
def test_the_value_validated_is_the_value_loaded(tmp_path):
    """Quoted values and doubled quotes: the validation reads them as the source does."""
    delivery = _delivery(tmp_path / "delivery")
    path = delivery / "market_file.csv"
    rows = read_rows(path)
    column = "Популярная_категория"
    position = rows[0].split(",").index(column)

    def with_category(line: int, value: str) -> list[str]:
        edited = list(rows)
        fields = edited[line - 1].split(",")
        fields[position] = value
        edited[line - 1] = ",".join(fields)
        return edited

    location = _source_location(delivery, tmp_path, "market_file")
    # text after a closing quote: Python's csv module reads abcdef; the source refuses the line
    path.unlink()
    write_rows(path, with_category(3, '"abc"def'))
    with pytest.raises(duckdb.Error):
        duckdb.sql(f"select * from {location}").fetchall()
    errors = [str(p) for p in validate_delivery(delivery).errors]
    assert f'market_file.csv, column "{column}": line 3 has a quote the reader cannot close' in (
        "\n".join(errors)
    )
    # a doubled quote inside a quoted value: one quote, to both
    path.unlink()
    write_rows(path, with_category(2, '"x""y"'))
    customer = rows[1].split(",")[0]
    [(loaded,)] = duckdb.sql(f'select "{column}" from {location} where id = {customer}').fetchall()
    assert loaded == 'x"y'
    report = validate_delivery(delivery)
    assert report.ok, report.format()
    [warning] = report.warnings  # a category not seen before, shown as validated
    assert str(warning).startswith(f'market_file.csv, column "{column}": line 2 has "{loaded}",')


@pytest.mark.slow
def test_a_parquet_delivery_typed_as_pandas_writes_it_builds(project, from_seeds, tmp_path):
    """int64 ids and counts and float32 money, as pandas, Spark or DuckDB write them: the
    validation accepts them, staging casts them to the contract's types, and the build passes."""
    delivery = _delivery(tmp_path / "delivery")
    wider = {"integer": "bigint", "double": "float"}
    for table, spec in setting("shop_files").items():
        path = to_parquet(delivery, table)
        casts = ", ".join(
            f'cast("{name}" as {wider[declared]}) as "{name}"'
            for name, declared in spec["columns"].items()
            if declared in wider
        )
        ParquetEdit((), f"select * replace ({casts}) from delivered").apply(path)
        with duckdb.connect() as con:
            types = {t for _, t, *_ in con.sql(f"describe select * from '{path}'").fetchall()}
        assert "INTEGER" not in types and "DOUBLE" not in types
    report = validate_delivery(delivery)
    assert report.ok, report.format()
    formats = dict.fromkeys(setting("shop_files"), "parquet")
    database = tmp_path / "files" / "one_click.duckdb"
    variables = json.dumps({"delivery_dir": str(delivery), "delivery_formats": formats})
    result = _dbt_build(project, database, "--vars", variables)
    assert result.returncode == 0, explain(result)
    ids = "select customer_id from customers.customer_features order by customer_id"
    with duckdb.connect(str(database), read_only=True) as con:
        built = con.sql(ids).fetchall()
        [(kind,)] = con.sql(
            "select distinct typeof(customer_id) from customers.customer_features"
        ).fetchall()
    with duckdb.connect(str(from_seeds), read_only=True) as con:
        assert built == con.sql(ids).fetchall()
    assert kind == "INTEGER"
