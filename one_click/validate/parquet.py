"""Reading a Parquet file: its schema (column names and types) and its rows as DuckDB reads them
(read_parquet, as the dbt source does), numbered "row N" from 1 = the first row."""

from __future__ import annotations

from pathlib import Path

from one_click.validate.checks import _check_header, _Loaded
from one_click.validate.messages import _ROWS, _Problems
from one_click.validate.schemas import (
    _FLOAT_TYPES,
    _INTEGER_TYPES,
    _KIND_WORDS,
    Column,
    FileSchema,
    _duckdb_type,
)
from one_click.validate.sql import _ident, _literal


def _accepts(column: Column, found: str) -> bool:
    if column.kind == "integer":
        return found in _INTEGER_TYPES
    if column.kind == "number":
        return found in _INTEGER_TYPES | _FLOAT_TYPES or found.startswith("DECIMAL")
    return found == "VARCHAR"


def _load_parquet(
    con, schema: FileSchema, path: Path, index: int, out: _Problems
) -> _Loaded | None:
    import pyarrow.parquet as pq

    name = schema.parquet_name
    size = path.stat().st_size
    if size == 0:
        out.add(name, None, f"file is empty ({size} bytes): no header, no rows")
        return None
    try:
        metadata = pq.ParquetFile(path)
        found = list(metadata.schema_arrow.names)
        rows = metadata.metadata.num_rows
    except Exception as error:  # pyarrow names what is wrong with the file
        out.add(name, None, f"not a readable Parquet file ({error})")
        return None
    stripped = _check_header(schema, name, found, _ROWS, out)
    source = f"read_parquet({_literal(str(path))}, file_row_number = true)"
    types = [
        t
        for _, t, *_ in con.execute(
            f"describe select * exclude (file_row_number) from {source}"
        ).fetchall()
    ]
    raw_of = {}
    for raw, column_name, found_type in reversed(list(zip(found, stripped, types, strict=True))):
        raw_of[column_name] = (raw, found_type)
    present = {}
    for j, column in enumerate(schema.columns):
        if column.name not in raw_of:
            continue
        raw, found_type = raw_of[column.name]
        if not _accepts(column, found_type):
            out.add(
                name,
                column.name,
                f"has type {found_type}; expected {_duckdb_type(column.declared)} "
                f"({_KIND_WORDS[column.kind]})",
            )
            continue
        present[j] = (column, raw)
    if rows == 0:
        out.add(name, None, "has no data rows")
        return None
    selected = "".join(f", {_ident(raw)} as c_{j}" for j, (_, raw) in present.items())
    con.execute(
        f"create temp view rows_{index} as select file_row_number + 1 as n, true as ok, "
        f"false as blank{selected} "
        f"from {source}"
    )
    return _Loaded(schema, name, _ROWS, index, {j: c for j, (c, _) in present.items()})
