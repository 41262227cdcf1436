"""Validating a delivery: each file of var shop_files found as CSV or Parquet, loaded, checked
row by row and key by key, then every file's customers against the customer list; and when the
delivery trains the model, enough customers of each class of the target."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import duckdb

from one_click.project import project_config, project_dir
from one_click.validate.checks import (
    _check_classes,
    _check_customers,
    _check_keys,
    _check_rows,
    _keys,
    _Loaded,
)
from one_click.validate.messages import Report, _Problems
from one_click.validate.parquet import _load_parquet
from one_click.validate.reader import _load_csv
from one_click.validate.schemas import shop_schema

Mode = Literal["train", "score"]
MODES: tuple[Mode, ...] = ("train", "score")
_MEMORY_LIMIT = "512MB"  # DuckDB spills to a temp dir beyond it


def _drop_rows(con, loaded: _Loaded) -> None:
    con.execute(f"drop view if exists {loaded.rows}")
    tables = ("suspects", "read", "refused", "numbers")
    for table in (loaded.keys, *(f"{t}_{loaded.index}" for t in tables)):
        con.execute(f"drop table if exists {table}")


@contextlib.contextmanager
def _database() -> Iterator[duckdb.DuckDBPyConnection]:
    with tempfile.TemporaryDirectory(prefix="one_click_validate_") as spill:
        con = duckdb.connect(config={"temp_directory": spill, "memory_limit": _MEMORY_LIMIT})
        try:
            yield con
        finally:
            con.close()


def validate_delivery(
    directory: Path | str, project: Path | None = None, mode: Mode = "score"
) -> Report:
    """Check the delivered files in `directory` (each as CSV or Parquet) against the project's
    vars (`project`: the dbt project, default one_click.project.project_dir()). `mode` "train":
    the delivery also trains the model, so each class of the target needs enough customers;
    "score" (the default): it is only scored, by a model trained before."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r}: expected one of {', '.join(MODES)}")
    directory = Path(directory)
    shop = shop_schema(project or project_dir())
    out = _Problems()
    loaded: dict[str, _Loaded | None] = {}
    with _database() as con:
        for index, schema in enumerate(shop.files):
            as_csv, as_parquet = directory / schema.csv_name, directory / schema.parquet_name
            if as_csv.is_file() and as_parquet.is_file():
                out.add(
                    schema.csv_name,
                    None,
                    f"delivered twice, also as {schema.parquet_name}: deliver one of "
                    f"{schema.csv_name} and {schema.parquet_name}, not both",
                )
                file = None
            elif as_csv.is_file():
                file = _load_csv(con, schema, as_csv, index, out)
            elif as_parquet.is_file():
                file = _load_parquet(con, schema, as_parquet, index, out)
            else:
                out.add(
                    schema.csv_name,
                    None,
                    f"file not found (expected at {as_csv}, or as {schema.parquet_name})",
                )
                file = None
            if file is not None and _keys(con, file, shop) == 0:
                out.add(file.name, None, "has a header but no data rows")
                file = None
            if file is not None:
                _check_rows(con, file, out)
                _check_keys(con, file, shop, out)
                if mode == "train" and schema.target is not None:
                    _check_classes(con, file, out)
                _drop_rows(con, file)  # the cross-file checks need only per_<keys>
            loaded[schema.table] = file
        declared = {schema.csv_name for schema in shop.files}
        if directory.is_dir():
            for extra in sorted(p.name for p in directory.glob("*.csv") if p.name not in declared):
                out.add(extra, None, "not a delivered file; dbt loads it as a seed too", "warning")
        customers = loaded[shop.customers.table]
        if customers is not None:
            for schema in shop.files[1:]:
                other = loaded[schema.table]
                if other is not None:
                    _check_customers(con, shop, customers, other, out)
    return out.report()


def delivered_files(directory: Path | str, project: Path | None = None) -> dict[str, Path]:
    """Table -> the file delivering it in `directory` (<table>.csv or <table>.parquet), for every
    table of var shop_files found there once (validate_delivery names what is missing or
    doubled)."""
    directory = Path(directory)
    found = {}
    for schema in shop_schema(project or project_dir()).files:
        present = [
            path
            for path in (directory / schema.csv_name, directory / schema.parquet_name)
            if path.is_file()
        ]
        if len(present) == 1:
            found[schema.table] = present[0]
    return found


def validate_seeds(
    seeds_dir: Path | str, project: Path | None = None, mode: Mode = "score"
) -> Report:
    """The delivered files in the seed directory (what the refresh checks): validate_delivery."""
    return validate_delivery(seeds_dir, project, mode)


def seeds_dir(project: Path | None = None) -> Path:
    """The project's seed directory (the first of `seed-paths` in dbt_project.yml)."""
    project = project or project_dir()
    return project / (project_config(project).get("seed-paths") or ["seeds"])[0]
