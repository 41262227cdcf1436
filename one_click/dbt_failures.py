"""Explain a failed `dbt build` in the words of the delivery: what failed, on which column, built
from which delivered file and column, with a few of the failing rows.

Everything comes from dbt's own artifacts: run_results.json says what failed, the manifest's
parent map leads from the failing node up to the seeds (or delivered files) it is built from, and
the staging columns declare the delivered column they come from (`meta.delivered_column` in
models/staging/shop/_shop__models.yml).
"""

from __future__ import annotations

import json
from pathlib import Path

FAILED = ("error", "fail", "runtime error")
# the generic test (macros/tests/not_null_columns.sql) that checks a model's columns for nulls at
# once: its failing rows name the columns
NOT_NULL_COLUMNS = "not_null_columns"


def _plural(count: int | str, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def delivered_inputs(manifest: dict, unique_id: str) -> list[str]:
    """The delivered files a node is built from: its ancestors that are seeds or sources."""
    parents = manifest.get("parent_map", {})
    seen: set[str] = set()
    todo = [unique_id]
    found: set[str] = set()
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        if node_id.startswith("seed."):
            found.add(Path(manifest["nodes"][node_id]["original_file_path"]).name)
        elif node_id.startswith("source."):
            source = manifest["sources"][node_id]
            found.add((source.get("meta") or {}).get("delivered_file") or source["name"])
        todo.extend(parents.get(node_id, []))
    return sorted(found)


def delivered_column(manifest: dict, model_id: str, column: str | None) -> str | None:
    """The delivered column a model's column comes from, as its yml declares (staging only)."""
    if not column:
        return None
    columns = manifest.get("nodes", {}).get(model_id, {}).get("columns", {})
    return (columns.get(column, {}).get("meta") or {}).get("delivered_column")


def _query(database: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """The column names and rows of `sql` on the built file, read only; none if it cannot be read
    (what they show is a courtesy: the failure itself is already known)."""
    try:
        import duckdb

        with duckdb.connect(str(database), read_only=True) as con:
            cursor = con.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchall()
    except Exception:
        return [], []


def failing_rows(database: Path, compiled_sql: str, column: str | None, limit: int = 3) -> str:
    """A few of the rows a failing test returns, as `name=value` for the telling columns."""
    names, rows = _query(database, f"select * from ({compiled_sql}) limit {limit}")
    telling = [
        i
        for i, name in enumerate(names)
        if name == column or name.endswith("_id") or name.startswith("failing")
    ] or list(range(min(4, len(names))))
    shown = [", ".join(f"{names[i]}={row[i]!r}" for i in dict.fromkeys(telling)) for row in rows]
    return "; e.g. " + "; ".join(f"({s})" for s in shown) if shown else ""


def null_columns(database: Path, compiled_sql: str) -> list[tuple[str, int]]:
    """The columns a failing not_null_columns test names, with their null rows (empty if the
    file cannot be read)."""
    sql = f"select failing_column, null_rows from ({compiled_sql}) order by failing_column"
    return [(str(column), int(count)) for column, count in _query(database, sql)[1]]


def describe_failures(target: Path, database: Path) -> list[str]:
    """One line per failed dbt node of the run whose artifacts are in `target`."""
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    lines = []
    for result in results.get("results", []):
        if result.get("status") not in FAILED:
            continue
        unique_id = result["unique_id"]
        node = nodes.get(unique_id, {})
        message = " ".join(str(result.get("message") or "").split())[:400]
        kind = node.get("resource_type") or unique_id.split(".")[0]
        if kind == "test":
            attached = node.get("attached_node") or ""
            model = attached.split(".")[-1] if attached else node.get("name", unique_id)
            column = node.get("column_name")
            test = (node.get("test_metadata") or {}).get("name") or node.get("name")
            files = delivered_inputs(manifest, attached or unique_id)
            delivered = delivered_column(manifest, attached, column)
            text = f"data test {test} on {model}" + (f", column {column}" if column else "")
            if files:
                text += f" (from {', '.join(files)}"
                text += f', column "{delivered}")' if delivered else ")"
            nulls = (
                null_columns(database, result["compiled_code"])
                if test == NOT_NULL_COLUMNS and result.get("compiled_code")
                else []
            )
            if nulls:
                named = ", ".join(f"column {c} ({_plural(n, 'row')})" for c, n in nulls)
                text += f" failed: nulls in {named}"
            else:
                text += f" failed: {_plural(result.get('failures') or '?', 'failing row')}"
                if result.get("compiled_code"):
                    text += failing_rows(database, result["compiled_code"], column)
        elif kind == "unit_test":
            text = f"unit test {node.get('name', unique_id)} on model {node.get('model')} failed"
            text += f": {message}"
        else:
            path = node.get("original_file_path", unique_id)
            text = f"{kind} {node.get('name', unique_id)} ({path}) failed: {message}"
        lines.append(text)
    return lines
