"""Reading a CSV file as the dbt source reads it: DuckDB's read_csv with the options of var
shop_csv_reader and the file's separator and decimal mark (var shop_files), every column as
text, so that the values checked are the values loaded. The header's names are checked in
Python first (the loader itself skips the header line). A record the reader refuses is kept as a
problem row, named by its line.

DuckDB numbers the records it refuses by line, but skips empty lines in that count and gives no
line for the records it reads; lines are numbered here as a text editor does (line 1 is the
header; CRLF, LF and CR each end a line; empty lines count), from the records' order, the line
breaks inside their values, and where the file's empty lines are."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from one_click.validate.checks import _check_header, _Loaded
from one_click.validate.messages import _LINES, _Problems
from one_click.validate.schemas import (
    DECIMAL_NAMES,
    SEPARATOR_NAMES,
    FileSchema,
    _decimal_example,
)
from one_click.validate.sql import _literal

_CHUNK = 1 << 24
_HEAD = 1 << 20
# how the reader names a record it refuses (its reject_errors error_type), as a problem
_FIELD_COUNTS = frozenset({"MISSING COLUMNS", "TOO MANY COLUMNS"})
_REFUSED = {
    "UNQUOTED VALUE": "a quote the reader cannot close (a quoted value must end with its quote "
    'right before the separator or the line end; a quote inside it is written twice: "")',
    "LINE SIZE OVER MAXIMUM": "a line longer than the reader accepts",
}
_FOUND = re.compile(r"Found: (\d+)")
_BREAK = "\r\n|\r|\n"


def _sql_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _literal(str(value))


def read_csv_options(schema: FileSchema, **extra: Any) -> str:
    """The options of read_csv for one delivered file, as SQL: var shop_csv_reader, the file's
    separator and decimal mark (as the dbt source renders them), then `extra`."""
    options = {
        **dict(schema.reader),
        "delim": schema.separator,
        "decimal_separator": schema.decimal,
        **extra,
    }
    return ", ".join(f"{name} = {_sql_value(value)}" for name, value in options.items())


class _NotUtf8(Exception):
    def __init__(self, byte: int, line: int) -> None:
        super().__init__(byte, line)
        self.byte, self.line = byte, line

    def message(self) -> str:
        return (
            f"not UTF-8 text (byte 0x{self.byte:02x} on line {self.line}); "
            "the file must be saved as UTF-8"
        )


def _chunks(path: Path, size: int = _CHUNK) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(size):
            yield chunk


def _utf8_error(path: Path) -> _NotUtf8 | None:
    """The first byte that is not UTF-8, with its line; None when the whole file is UTF-8."""
    carry, newlines = b"", 0
    for chunk in _chunks(path):
        data = carry + chunk
        try:
            _, consumed = codecs.utf_8_decode(data, "strict", False)
        except UnicodeDecodeError as error:
            return _NotUtf8(data[error.start], newlines + data[: error.start].count(b"\n") + 1)
        newlines += data[:consumed].count(b"\n")
        carry = data[consumed:]
    try:
        codecs.utf_8_decode(carry, "strict", True)
    except UnicodeDecodeError as error:
        return _NotUtf8(carry[error.start], newlines + carry[: error.start].count(b"\n") + 1)
    return None


def _is_blank(path: Path) -> bool:
    return not any(chunk.strip() for chunk in _chunks(path))


def _first_line(path: Path) -> str:
    """The header line (the file's start is UTF-8: checked before)."""
    with path.open("rb") as file:
        head = file.read(_HEAD)
    text, _ = codecs.utf_8_decode(head, "ignore", False)
    return re.split("\r\n|\r|\n", text.removeprefix("\ufeff"), maxsplit=1)[0]


def _check_csv_header(schema: FileSchema, first_line: str, out: _Problems) -> list[str] | None:
    """The header's column names, or None when the file cannot be read any further."""
    name = schema.csv_name
    expected = list(schema.header)
    found = next(csv.reader([first_line], delimiter=schema.separator), [])
    if found == expected:
        return found
    for separator, separator_name in SEPARATOR_NAMES.items():
        if separator == schema.separator:
            continue
        other = next(csv.reader([first_line], delimiter=separator), [])
        if [c.strip() for c in other] == expected:
            out.add(
                name,
                None,
                f'wrong separator: fields are separated by "{separator}" ({separator_name}), but '
                f'this file must use "{schema.separator}" ({SEPARATOR_NAMES[schema.separator]}) '
                f"with a {DECIMAL_NAMES[schema.decimal]} "
                f'("{_decimal_example(schema.decimal)}"); header line: {first_line!r}',
            )
            return None
    stripped = _check_header(schema, name, found, _LINES, out)
    if len(stripped) == 1 and len(expected) > 1:
        out.add(
            name,
            None,
            f'the header has a single column; fields must be separated by "{schema.separator}"',
        )
        return None
    return stripped


def _line_map(path: Path) -> set[int]:
    """The numbers of the file's empty lines after the header."""
    import numpy as np

    size = path.stat().st_size
    data = np.memmap(path, dtype=np.uint8, mode="r")
    empties: set[int] = set()
    line, start = 1, 0  # the line that starts at byte `start`
    for offset in range(0, size, _CHUNK):
        body = np.asarray(data[offset : offset + _CHUNK])
        following = data[offset + len(body)] if offset + len(body) < size else 0
        lf, cr = body == 10, body == 13
        cr_lf = cr & np.append(body[1:] == 10, following == 10)
        ends = np.flatnonzero(lf | (cr & ~cr_lf))  # the last byte of each line end
        if not len(ends):
            continue
        before = np.append(body[0] if offset == 0 else data[offset - 1], body)[ends]
        terminator = np.where(lf[ends] & (before == 13), 2, 1)
        ends = ends + offset
        starts = np.append(start, ends[:-1] + 1)
        empty = np.flatnonzero(ends - starts + 1 == terminator)
        empties.update(int(n) for n in line + empty if n > 1)
        line += len(ends)
        start = int(ends[-1]) + 1
    del data
    return empties


def _rejected(con, rejects: str) -> list[tuple[int, str, int | None, str, str]]:
    """One row per refused record (DuckDB's line, error type, column, the record, the message),
    the field count's error first when the record has several."""
    return con.execute(
        f"select line, arg_min(error_type, (error_type not in ('MISSING COLUMNS', "
        f"'TOO MANY COLUMNS'))::int), arg_min(column_idx, (error_type not in "
        f"('MISSING COLUMNS', 'TOO MANY COLUMNS'))::int), any_value(csv_line), "
        f"string_agg(error_message, ' | ') from {rejects} group by line order by line"
    ).fetchall()


def _spans(record: str) -> int:
    """How many lines a refused record covers (its text as DuckDB keeps it)."""
    return 1 + len(re.findall(_BREAK, record.strip("\r\n")))


def _numbers(breaks, empties: set[int], refused: dict[int, int]):
    """Each record's last line as an editor numbers it, from the records in order (`breaks`:
    the line breaks inside each one's values), the empty lines (which the reader skips), and
    the refused records (DuckDB's line -> the lines they cover). DuckDB counts a record as one
    line however many it covers, and an empty line as one. Returns (the read records' numbers,
    DuckDB's line -> the refused record's number)."""
    import numpy as np

    numbers = np.empty(len(breaks), dtype=np.int64)
    placed: dict[int, int] = {}
    line = duckdb_line = 2  # the header is line 1

    def settle() -> None:  # past the empty lines and refused records at the current line
        nonlocal line, duckdb_line
        while True:
            if line in empties:
                line, duckdb_line = line + 1, duckdb_line + 1
            elif duckdb_line in refused and duckdb_line not in placed:
                placed[duckdb_line] = line + refused[duckdb_line] - 1
                line, duckdb_line = line + refused[duckdb_line], duckdb_line + 1
            else:
                return

    for i, k in enumerate(breaks.tolist()):
        settle()
        numbers[i] = line + k
        line, duckdb_line = line + k + 1, duckdb_line + 1
    last = max(refused, default=0)
    while duckdb_line <= last:
        settle()
        line, duckdb_line = line + 1, duckdb_line + 1
    return numbers, placed


def _read(con, path: Path, schema: FileSchema, width: int, index: int) -> list:
    """Table read_<index> (c<p>: field p of each record the reader reads, as text) and the
    records it refuses."""
    table, rejects = f"read_{index}", f"rejects_{index}"
    columns = "{" + ", ".join(f"'c{p}': 'VARCHAR'" for p in range(width)) + "}"
    options = read_csv_options(
        schema,
        columns=columns,
        store_rejects=True,
        rejects_table=rejects,
        rejects_scan=f"scan_{index}",
    ).replace(_literal(columns), columns)
    con.execute(
        f"create or replace temp table {table} as "
        f"select * from read_csv({_literal(str(path))}, {options})"
    )
    refused = _rejected(con, rejects)
    con.execute(f"drop table {rejects}")
    con.execute(f"drop table scan_{index}")
    return refused


def _rows_view(
    con, path: Path, positions: dict[int, int], width: int, index: int, refused: list
) -> dict[int, int]:
    """View rows_<index> (n, nf, ok, blank, c_<j>: schema column j's field) over the records
    read and those refused (ok false; nf their field count when that is what is wrong).
    Returns DuckDB's line -> the editor's line of each refused record."""
    import pyarrow as pa

    table = f"read_{index}"
    rows = con.execute(f"select count(*) from {table}").fetchone()[0]
    empties = _line_map(path)
    joined = " || ".join(f"coalesce(c{p}, '')" for p in range(width))
    multiline = con.execute(
        f"select count(*) from {table} where regexp_matches({joined}, '[\r\n]')"
    ).fetchone()[0]
    fields = "".join(f", coalesce(c{p}, '') as c_{j}" for j, p in positions.items())
    if not refused and not multiline and not any(n <= rows + 1 for n in empties):
        # each record is one line, in order after the header
        numbered, placed = f"select rowid + 2 as n{fields} from {table}", {}
    else:
        breaks = con.execute(
            f"select len(regexp_extract_all({joined}, {_literal(_BREAK)})) from {table} "
            "order by rowid"
        ).fetchnumpy()
        breaks = next(iter(breaks.values()))
        spans = {line: _spans(record or "") for line, _, _, record, _ in refused}
        numbers, placed = _numbers(breaks, empties, spans)
        con.register(f"numbers_arrow_{index}", pa.table({"r": range(rows), "n": numbers}))
        con.execute(
            f"create or replace temp table numbers_{index} as select * from numbers_arrow_{index}"
        )
        con.unregister(f"numbers_arrow_{index}")
        numbered = (
            f"select numbers_{index}.n{fields} from {table} "
            f"join numbers_{index} on {table}.rowid = numbers_{index}.r"
        )
    con.execute(f"create or replace temp table refused_{index} (n bigint, nf integer)")
    counts = []
    for line, kind, _, _, message in refused:
        found = [int(f) for f in _FOUND.findall(message)]
        # DuckDB names a missing field or an extra one at a time: the fewest, or the most
        fields = min(found) if kind == "MISSING COLUMNS" else max(found, default=0)
        counts.append((placed.get(line, line), fields if kind in _FIELD_COUNTS else None))
    if counts:
        con.executemany(f"insert into refused_{index} values (?, ?)", counts)
    nulls = "".join(f", null as c_{j}" for j in positions)
    values = "".join(f", c_{j}" for j in positions)
    con.execute(
        f"create temp view rows_{index} as "
        f"select n, {width} as nf, true as ok, false as blank{values} "
        f"from ({numbered}) union all "
        f"select n, nf, false as ok, false as blank{nulls} from refused_{index}"
    )
    return placed


def _load_csv(con, schema: FileSchema, path: Path, index: int, out: _Problems) -> _Loaded | None:
    name = schema.csv_name
    size = path.stat().st_size
    if _is_blank(path):
        out.add(name, None, f"file is empty ({size} bytes): no header, no rows")
        return None
    with path.open("rb") as file:
        head = file.read(_HEAD)
    try:
        codecs.utf_8_decode(head, "strict", len(head) == size)
    except UnicodeDecodeError as error:
        line = head[: error.start].count(b"\n") + 1
        out.add(name, None, _NotUtf8(head[error.start], line).message())
        return None
    header_problems = _Problems()
    header = _check_csv_header(schema, _first_line(path), header_problems)
    if header is None:
        error = _utf8_error(path)
        if error is not None:
            out.add(name, None, error.message())
        else:
            out.direct.extend(header_problems.direct)
        return None
    try:
        refused = _read(con, path, schema, len(header), index)
    except duckdb.InvalidInputException:
        refused = None  # bytes that are not UTF-8 stop the reader
    if refused is None or any(kind == "INVALID ENCODING" for _, kind, *_ in refused):
        error = _utf8_error(path)
        if error is None:
            raise RuntimeError(f"{path}: DuckDB cannot read the file as UTF-8") from None
        out.add(name, None, error.message())
        return None
    out.direct.extend(header_problems.direct)
    positions = {name: i for i, name in reversed(list(enumerate(header)))}
    present = {j: c for j, c in enumerate(schema.columns) if c.name in positions}
    fields = {j: positions[c.name] for j, c in present.items()}
    placed = _rows_view(con, path, fields, len(header), index, refused)
    column_of = dict(enumerate(header))
    groups: dict[tuple[str | None, str], list[int]] = {}
    for line, kind, column, _, message in refused:
        if kind in _FIELD_COUNTS:
            continue
        what = _REFUSED.get(kind, f"a record the reader refuses ({message})")
        where = column_of.get(column - 1) if column else None
        groups.setdefault((where, what), []).append(placed.get(line, line))
    for (column, what), lines in groups.items():
        out.group(
            name,
            column,
            what,
            len(lines),
            [f"{_LINES.one} {n}" for n in lines],
            f"{_LINES.one} {lines[0]} has {what}",
            _LINES,
        )
    return _Loaded(schema, name, _LINES, index, present, len(header))
