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
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from one_click.project import project_dir, setting

SCHEMA = "reporting"
# views read as their head, their row count and aggregates (ReportData), never whole
STREAMED = ("contact_list",)
HEAD_ROWS = 20
# the contact list's next best action, and the reason it answers (per language), when it has them
ACTION_COLUMNS = ("action_code", "action_ru", "action_en")
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
    in a draft, where `missing` says which relations or columns were absent).

    A view of every listed customer (STREAMED: the contact list, millions of rows at the size of
    a real customer base) is read as its first HEAD_ROWS rows; `counts` holds its rows, the frames
    `<name>_actions` and `<name>_action_reasons` what the page shows of it in aggregate, and the
    full view is streamed from `location` (the warehouse file) where it is written out whole."""

    warehouse_name: str
    frames: dict[str, pd.DataFrame | None]
    missing: dict[str, list[str]]
    location: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

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
    counts: dict[str, int] = {}
    for frame, columns in relations().items():
        if frame in missing:
            frames[frame] = None
            continue
        relation = relation_name(frame)
        selected = ", ".join(f'"{column}"' for column in columns)
        head = f" limit {HEAD_ROWS}" if frame in STREAMED else ""
        try:
            frames[frame] = con.execute(f"select {selected} from {relation}{head}").df()
            if frame in STREAMED:
                counts[frame] = con.execute(f"select count(*) from {relation}").fetchone()[0]
                frames.update(action_aggregates(con, frame, columns))
        except duckdb.Error as error:  # e.g. a view whose own query no longer binds
            raise WarehouseError(f"cannot read {relation}: {error}") from error
    summary = frames.get("summary")
    if summary is not None and len(summary) != 1:
        raise WarehouseError(
            f"{relation_name('summary')} must hold one row (one selected model), got {len(summary)}"
        )
    return ReportData(warehouse_name, frames, missing, location, counts)


def action_aggregates(con, frame: str, columns) -> dict[str, pd.DataFrame]:
    """A streamed view's customers and profit at risk per next best action
    (`<frame>_actions`) and, per action, the reasons it answers with their customers and the
    first place they hold (`<frame>_action_reasons`): when the view has the action columns."""
    if not set(ACTION_COLUMNS) <= set(columns):
        return {}
    relation = relation_name(frame)
    words = ", ".join(ACTION_COLUMNS)
    aggregates = {
        f"{frame}_actions": con.execute(
            f"select {words}, count(*) as customers, sum(profit_at_risk) as profit_at_risk "
            f"from {relation} group by all"
        ).df()
    }
    reasons = [c for c in columns if c.startswith("action_reason_")]
    if reasons:
        aggregates[f"{frame}_action_reasons"] = con.execute(
            f"select action_code, {', '.join(reasons)}, count(*) as customers, "
            f"min(priority_rank) as first_place from {relation} group by all"
        ).df()
    return aggregates


def connection_config() -> dict:
    """DuckDB's settings for the report's reads: the build's memory (var duckdb_memory_limit)."""
    return {"memory_limit": str(setting("duckdb_memory_limit"))}


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """No progress bar in the refresh's output (a long read of millions of rows draws one)."""
    con.execute("set enable_progress_bar = false")
    return con


def stream(location: str, frame: str, vectors: int = 50):
    """The rows of a reporting view (every declared column), in its order, as pandas frames of
    `vectors` DuckDB vectors (2,048 rows each) at most, typed as read() types them: read-only,
    from the warehouse file."""
    relation = relation_name(frame)
    selected = ", ".join(f'"{column}"' for column in relations()[frame])
    with _quiet(duckdb.connect(location, read_only=True, config=connection_config())) as con:
        con.execute(f"select {selected} from {relation}")
        while len(chunk := con.fetch_df_chunk(vectors)):
            yield chunk


def load(warehouse_path: str | Path, strict: bool = True) -> ReportData:
    """Read the report's data from the warehouse file, read-only (see read())."""
    path = Path(warehouse_path)
    if not path.is_file():
        raise WarehouseError(f"warehouse not found: {path}")
    try:
        con = _quiet(duckdb.connect(str(path), read_only=True, config=connection_config()))
    except duckdb.IOException as error:  # e.g. a dbt build holds the write lock
        raise WarehouseError(f"cannot open warehouse {path} read-only: {error}") from error
    try:
        return read(con, warehouse_name=path.name, strict=strict, location=str(path))
    finally:
        con.close()
