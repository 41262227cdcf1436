"""Every read the report makes from the warehouse, over one read-only DuckDB connection.

The report reads the views of schema `reporting` (models/reporting/), and nothing else. Which
views and which of their columns it needs is written once, in that folder's
`_reporting__models.yml` (their contracts); `relations()` reads it. `load()` checks the warehouse
first and fails naming every missing relation or column, so a half-built warehouse never becomes
a half-empty report. Only a draft (`strict=False`, for development while tables are still being
built) reads what exists and leaves the rest as None, for the report to mark "not built yet".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from one_click.project import project_dir

SCHEMA = "reporting"
PREFIX = "rpt_"  # rpt_summary is read as frame "summary"
MODELS_FILE = Path("models") / SCHEMA / f"_{SCHEMA}__models.yml"


@functools.cache
def _relations(path: Path) -> dict[str, tuple[str, ...]]:
    models = yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
    return {
        model["name"].removeprefix(PREFIX): tuple(c["name"] for c in model.get("columns", []))
        for model in models
    }


def relations(project: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Frame name -> the columns of its view reporting.rpt_<name>, as the contracts declare."""
    return _relations(((project or project_dir()) / MODELS_FILE).resolve())


def relation_name(frame: str) -> str:
    return f"{SCHEMA}.{PREFIX}{frame}"


class WarehouseError(RuntimeError):
    """The warehouse file is missing or lacks a relation or column the report needs."""


@dataclass(frozen=True)
class ReportData:
    """What the report shows, as read from the warehouse: one frame per reporting view (None only
    in a draft, where `missing` says which relations or columns were absent)."""

    warehouse_name: str
    frames: dict[str, pd.DataFrame | None]
    missing: dict[str, list[str]]

    def __getitem__(self, name: str) -> pd.DataFrame:
        frame = self.frames[name]
        if frame is None:
            raise KeyError(f"{name} was not read: {', '.join(self.missing_for([name]))} missing")
        return frame

    def missing_for(self, names) -> list[str]:
        """What the named frames lack ("table x.y" or "column x.y.z")."""
        return [problem for name in names for problem in self.missing.get(name, [])]


def missing_by_frame(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Frame -> what its view lacks ("table x.y" or "column x.y.z"), for every incomplete one."""
    found: dict[str, set[str]] = {}
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?",
        [SCHEMA],
    ).fetchall()
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    missing: dict[str, list[str]] = {}
    for frame, columns in relations().items():
        relation = relation_name(frame)
        table = relation.split(".")[1]
        if table not in found:
            missing[frame] = [f"table {relation}"]
        elif absent := [f"column {relation}.{c}" for c in columns if c not in found[table]]:
            missing[frame] = absent
    return missing


def missing_in(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every required relation or column the warehouse lacks."""
    return [p for problems in missing_by_frame(con).values() for p in problems]


def read(
    con: duckdb.DuckDBPyConnection,
    warehouse_name: str = "",
    strict: bool = True,
    location: str | None = None,
) -> ReportData:
    """Read every reporting view, in the order each view returns its rows.

    strict (the default): a missing relation or column raises WarehouseError naming all of them
    (and the warehouse by `location`, its path, or else its name).
    """
    missing = missing_by_frame(con)
    if strict and missing:
        problems = "; ".join(p for ps in missing.values() for p in ps)
        where = location or warehouse_name
        raise WarehouseError(f"warehouse {where} lacks what the report needs: {problems}")
    frames: dict[str, pd.DataFrame | None] = {}
    for frame, columns in relations().items():
        if frame in missing:
            frames[frame] = None
            continue
        relation = relation_name(frame)
        selected = ", ".join(f'"{column}"' for column in columns)
        try:
            frames[frame] = con.execute(f"select {selected} from {relation}").df()
        except duckdb.Error as error:  # e.g. a view whose own query no longer binds
            raise WarehouseError(f"cannot read {relation}: {error}") from error
    summary = frames.get("summary")
    if summary is not None and len(summary) != 1:
        raise WarehouseError(
            f"{relation_name('summary')} must hold one row (one selected model), got {len(summary)}"
        )
    return ReportData(warehouse_name, frames, missing)


def load(warehouse_path: str | Path, strict: bool = True) -> ReportData:
    """Read the report's data from the warehouse file, read-only (see read())."""
    path = Path(warehouse_path)
    if not path.is_file():
        raise WarehouseError(f"warehouse not found: {path}")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as error:  # e.g. a dbt build holds the write lock
        raise WarehouseError(f"cannot open warehouse {path} read-only: {error}") from error
    try:
        return read(con, warehouse_name=path.name, strict=strict, location=str(path))
    finally:
        con.close()
