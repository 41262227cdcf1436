"""Pre-flight checks of a delivery (the shop's four files), before dbt sees it.

The schema of every delivered file is read from var `shop_files` of dbt_project.yml (separator,
decimal mark, key, header in order with a DuckDB type per column, the columns whose values come
from var `shop_vocabulary`, and for the period tables the var listing their periods); nothing of
it is written here. The first of `shop_files` is the customer list: every other file's first key
column must name one of its customers.

`validate_delivery(directory, project=None)` checks a directory holding each file as
`<name>.csv` (the delivered CSV format) or as `<name>.parquet` (the same column names, typed as
`shop_files` declares); the formats may be mixed, one file may not come in both. `project` is the
dbt project whose vars it reads (default: one_click.project.project_dir()). It returns a Report
of every problem found, each naming the file, the column and the problem, grouped per file,
column and kind with up to 5 examples. Every number outside the key must be 0 or more.
`validate_seeds(dir)` is the same check (the refresh calls it on the seeds). DuckDB does the work
within a memory limit, spilling to a temp directory beyond it.

CSV files: encoding (UTF-8, a byte order mark allowed), emptiness, the separator and the header
are checked in Python on the first bytes; every row check (field count, type, decimal mark,
negative numbers, values outside the vocabulary, keys, periods, ids) runs in DuckDB on the lines,
which pyarrow streams in with their numbers. Lines are numbered as a text editor does: line 1 is
the header; CRLF, LF and CR all end a line; blank lines are skipped but counted, and a byte order
mark does not count. A quoted value may hold the separator, doubled quotes, or line breaks (the
row is then named by its last line, as the stdlib csv module does).

Parquet files are checked on the same rules, with these differences in the messages: rows are
numbered "row N" from 1 = the first row (Parquet has no header line), and counts say "rows"
where the CSV messages say "lines"; the column names are "the schema" where CSV says "the
header"; a column whose type is not of the declared kind is an error naming its type (an integer
column takes any integer type, a number column any integer, float or decimal type, a text column
VARCHAR), and its values are not checked further; a null is shown as "" and is "empty"; NaN and
infinity are "not a number". Separators, decimal marks and encodings do not apply.

Errors stop a refresh before anything is built; warnings (a favourite category never seen
before, which the churn model scores as unseen) are printed and let it go on.

Run it by hand: `python -m one_click.validate [DIR]` (default: the project's seed directory;
exit code 1 when there are errors).
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import csv
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb

from one_click.project import project_config, project_dir, setting

Kind = Literal["integer", "number", "text"]
Severity = Literal["error", "warning"]

# Characters a delivered file may use between fields (for naming a wrong separator), and the
# decimal marks: generic CSV knowledge; which file uses which lives in var shop_files.
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DECIMAL_NAMES = {".": "decimal point", ",": "decimal comma"}
EXAMPLES_PER_PROBLEM = 5
MAX_PROBLEMS = 40
MINIMUM = 0  # every number outside the key is a count, an amount or a share
# the vocabulary whose unknown values only warn (the churn model scores them as unseen)
WARNING_VOCABULARIES = frozenset({"categories"})

# DuckDB type names by kind (a Parquet column may use any type of its declared kind)
_INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}
    | {"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
)
_FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE"})
_KIND_WORDS = {"integer": "any integer type", "number": "any number type", "text": "VARCHAR"}

_INTEGER = "[+-]?[0-9]+"
_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
_CHUNK = 1 << 24
_BLOCK = 1 << 22  # pyarrow reads lines in blocks of this size (larger ones are slower)
_HEAD = 1 << 20
_LINE_DELIMITERS = "\x1f\x1e\x1d\x1c\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f"
# what str.strip() strips (Python's whitespace ends below U+3001), for SQL: see _trimmed
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_MEMORY_LIMIT = "512MB"  # DuckDB spills to a temp dir beyond it

# ---------------------------------------------------------------------------------------------
# The declared schemas, from var shop_files and var shop_vocabulary


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    declared: str  # the DuckDB type var shop_files gives
    allowed: tuple[str, ...] | None = None  # any other value is an error
    known: frozenset[str] | None = None  # any other value is a warning
    minimum: float | None = None


@dataclass(frozen=True)
class FileSchema:
    table: str
    separator: str
    decimal: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # period files: one row per customer and period, for each of `periods`
    period_column: str | None = None
    periods: tuple[str, ...] = ()

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def csv_name(self) -> str:
        return f"{self.table}.csv"

    @property
    def parquet_name(self) -> str:
        return f"{self.table}.parquet"


@dataclass(frozen=True)
class ShopSchema:
    files: tuple[FileSchema, ...]
    period_of: Mapping[str, str]  # delivered period label (and its misspellings) -> period

    @property
    def customers(self) -> FileSchema:
        return self.files[0]

    @property
    def period_names(self) -> list[str]:
        return list(dict.fromkeys(self.period_of.values()))

    def label_of(self, period: str) -> str:
        return next(label for label, p in self.period_of.items() if p == period)


def _kind(declared: str) -> Kind:
    canonical = _duckdb_type(declared)
    if canonical in _INTEGER_TYPES:
        return "integer"
    if canonical in _FLOAT_TYPES or canonical.startswith("DECIMAL"):
        return "number"
    if canonical == "VARCHAR":
        return "text"
    raise ValueError(f"var shop_files: type {declared!r} is not an integer, number or text type")


def _duckdb_type(declared: str) -> str:
    return duckdb.sql(f"select typeof(cast(null as {declared}))").fetchone()[0]


def _words(vocabulary: Any) -> list[str]:
    return [str(w) for w in (vocabulary.keys() if isinstance(vocabulary, dict) else vocabulary)]


def shop_schema(project: Path | None = None) -> ShopSchema:
    """The delivered files as var shop_files and var shop_vocabulary declare them."""
    files = setting("shop_files", project)
    vocabulary = setting("shop_vocabulary", project)
    corrections = vocabulary.get("corrections") or {}
    period_of: dict[str, str] = {}
    schemas = []
    for table, spec in files.items():
        key = tuple(spec["key"])
        uses = spec.get("vocabulary") or {}
        period_column = None
        periods: tuple[str, ...] = ()
        if spec.get("periods"):
            periods = tuple(setting(spec["periods"], project))
            [period_column] = [c for c in key[1:] if c in uses] or [None]
            if period_column is None:
                raise ValueError(f"var shop_files.{table}: no key column names the periods")
            names = vocabulary[uses[period_column]]
            fixes = corrections.get(period_column) or {}
            period_of.update({str(label): name for label, name in names.items()})
            period_of.update({m: names[c] for m, c in fixes.items() if c in names})
        columns = []
        for name, declared in spec["columns"].items():
            kind = _kind(declared)
            allowed = known = None
            if name in uses:
                words = _words(vocabulary[uses[name]]) + list(corrections.get(name) or {})
                if name == period_column:
                    words = [w for w in words if period_of.get(w) in periods]
                if uses[name] in WARNING_VOCABULARIES:
                    known = frozenset(words)
                else:
                    allowed = tuple(sorted(set(words)))
            numeric = kind != "text" and name not in key
            minimum = MINIMUM if numeric else None
            columns.append(Column(name, kind, str(declared), allowed, known, minimum))
        schemas.append(
            FileSchema(
                table,
                spec["separator"],
                spec["decimal"],
                key,
                tuple(columns),
                period_column,
                periods,
            )
        )
    return ShopSchema(tuple(schemas), period_of)


def _decimal_example(mark: str) -> str:
    return f"0{mark}98"


# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    file: str
    column: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f'{self.file}, column "{self.column}"' if self.column else self.file
        return f"{where}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self, limit: int = MAX_PROBLEMS) -> str:
        """The errors, then the warnings, one per line, at most `limit` lines of problems."""
        lines = []
        for label, problems in (("error", self.errors), ("warning", self.warnings)):
            for problem in problems[:limit]:
                lines.append(f"  - {label}: {problem}")
            if len(problems) > limit:
                lines.append(f"  - ... and {len(problems) - limit} more {label}s")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Unit:
    """How a file names its rows: CSV lines (1 = the header) or Parquet rows (1 = the first)."""

    one: str
    many: str
    names: str  # where the column names are


_LINES = _Unit("line", "lines", "header")
_ROWS = _Unit("row", "rows", "schema")


class _Problems:
    """Problems of the whole file (in the order found), then the grouped row-level findings."""

    def __init__(self) -> None:
        self.direct: list[Problem] = []
        self.groups: list[Problem] = []

    def add(self, file: str, column: str | None, message: str, severity: Severity = "error"):
        self.direct.append(Problem(file, column, message, severity))

    def group(
        self,
        file: str,
        column: str | None,
        what: str,
        count: int,
        items: list[str],
        single: str,
        unit: _Unit,
        severity: Severity = "error",
    ) -> None:
        """`count` findings of kind `what`: `single` says the first alone, `items` list some."""
        if count == 1:
            message = single
        else:
            shown = ", ".join(items[:EXAMPLES_PER_PROBLEM])
            more = count - EXAMPLES_PER_PROBLEM
            message = f"{what}; {count} {unit.many}: {shown}" + (
                f" and {more} more" if more > 0 else ""
            )
        self.groups.append(Problem(file, column, message, severity))

    def report(self) -> Report:
        return Report(self.direct + self.groups)


# ---------------------------------------------------------------------------------------------
# SQL helpers


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _list(values) -> str:
    return "[" + ", ".join(_literal(v) for v in values) + "]::varchar[]"


_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE) + "]"


def _trimmed(expression: str) -> str:
    """expression.strip() in SQL (DuckDB's trim(x, characters) is slow; most values pass as
    they are)."""
    ends = _literal(f"^{_SPACE}|{_SPACE}$")
    both = _literal(f"^{_SPACE}+|{_SPACE}+$")
    return (
        f"case when regexp_matches({expression}, {ends}) "
        f"then regexp_replace({expression}, {both}, '', 'g') else {expression} end"
    )


def _blank(expression: str) -> str:
    """SQL: the value is empty or only whitespace."""
    return f"regexp_full_match({expression}, {_literal(_SPACE + '*')})"


def _char_class(character: str) -> str:
    return f"\\x{{{ord(character):x}}}"


def _examples(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# ---------------------------------------------------------------------------------------------
# One file, loaded: its rows (CSV: the raw fields; Parquet: typed values) and its keys


@dataclass
class _Loaded:
    """One file being checked. Its tables and views are named after `index` (its place in
    var shop_files): rows_<i> (n, nf, ok: the row has every field, blank, and c_<j>: the value of
    schema column j), keys_<i> (n, customer, period, blank, clean), per_<i> (one row per
    customer), and for CSV lines_<i> (n, line)."""

    schema: FileSchema
    name: str  # the delivered file's name
    unit: _Unit
    index: int
    present: dict[int, Column]  # schema position -> column, for the columns checked
    width: int = 0  # CSV: the number of fields the header has

    @property
    def rows(self) -> str:
        return f"rows_{self.index}"

    @property
    def keys(self) -> str:
        return f"keys_{self.index}"

    @property
    def per(self) -> str:
        return f"per_{self.index}"


def _value_checks(column: Column, unit: _Unit, schema: FileSchema) -> list[tuple[str, str, bool]]:
    """(SQL condition on v, the value, and t, it trimmed; what; a warning?), first match wins."""
    empty = "empty (a value is required)"
    negative = (
        f"negative (must be {column.minimum:g} or more)" if column.minimum is not None else ""
    )
    checks: list[tuple[str, str, bool]] = []
    if column.kind == "text":
        checks.append(("v is null or t = ''", empty, False))
        if column.allowed is not None:
            choices = ", ".join(f"«{v}»" for v in column.allowed)
            checks.append(
                (f"not list_contains({_list(column.allowed)}, t)", f"not one of {choices}", False)
            )
        elif column.known is not None:
            checks.append(
                (
                    f"not list_contains({_list(sorted(column.known))}, t)",
                    "a category not seen before (the churn model scores it as an unseen category)",
                    True,
                )
            )
        return checks
    if unit is _ROWS:
        checks.append(("v is null", empty, False))
        if column.kind == "number":
            checks.append(("isnan(t) or isinf(t)", "not a number", False))
        if column.minimum is not None:
            checks.append((f"t < {column.minimum}", negative, False))
        return checks
    checks.append(("t = ''", empty, False))
    if column.kind == "integer":
        checks.append(
            (f"not regexp_full_match(t, {_literal(_INTEGER)})", "not a whole number", False)
        )
        if column.minimum is not None:
            checks.append(("starts_with(t, '-') and regexp_matches(t, '[1-9]')", negative, False))
        return checks
    decimal = schema.decimal
    other = next(mark for mark in DECIMAL_NAMES if mark != decimal)
    point = next(iter(DECIMAL_NAMES))  # how SQL writes a decimal
    as_sql = f"replace(t, {_literal(decimal)}, {_literal(point)})"
    number = _literal(_NUMBER)
    checks.append(
        (
            f"contains(t, {_literal(other)}) and not contains(t, {_literal(decimal)}) and "
            f"regexp_full_match(replace(t, {_literal(other)}, {_literal(point)}), {number})",
            f"wrong decimal mark: a {DECIMAL_NAMES[other]} where this file uses a "
            f'{DECIMAL_NAMES[decimal]} ("{_decimal_example(decimal)}")',
            False,
        )
    )
    checks.append(
        (
            f"not regexp_full_match({as_sql}, {number})",
            f'not a number ({DECIMAL_NAMES[decimal]} expected, e.g. "{_decimal_example(decimal)}")',
            False,
        )
    )
    if column.minimum is not None:
        checks.append(
            (
                f"coalesce(try_cast({as_sql} as double) < {column.minimum}, starts_with(t, '-'))",
                negative,
                False,
            )
        )
    return checks


def _passes(column: Column, unit: _Unit, schema: FileSchema, value: str) -> str:
    """SQL: a cheap test that the value has none of the column's problems (most values pass
    it; those that do not get the full checks)."""
    if column.kind == "text":
        if column.allowed is not None:
            return f"list_contains({_list(column.allowed)}, {value})"
        if column.known is not None:
            return f"list_contains({_list(sorted(column.known))}, {value})"
        return f"not {_blank(value)}"
    if unit is _ROWS:
        if column.kind == "number":  # NaN sorts above infinity in DuckDB
            low = "" if column.minimum is None else f"{value} >= {column.minimum} and "
            return f"{low}cast({value} as double) < 'infinity'::double"
        return (
            f"{value} >= {column.minimum}" if column.minimum is not None else f"{value} is not null"
        )
    if column.kind == "integer":
        return f"regexp_full_match({value}, '[0-9]+')"
    mark = _char_class(schema.decimal)
    return f"regexp_full_match({value}, {_literal(f'[0-9]+({mark}[0-9]+)?')})"


def _check_rows(con, loaded: _Loaded, out: _Problems) -> None:
    """Field counts and values, grouped per column and kind, in the order first found."""
    schema, unit = loaded.schema, loaded.unit
    suspects = f"suspects_{loaded.index}"
    con.execute(
        f"create temp table {suspects} as with suspect as materialized "
        f"(select * from {loaded.rows} where n in "
        f"(select n from {loaded.keys} where not clean and not blank)) select * from suspect"
    )
    branches = []
    whats: dict[tuple[int, int], tuple[str, bool]] = {}
    if unit is _LINES:
        branches.append(
            f"select -1 as j, n, cast(nf as varchar) as shown, 0 as code "
            f"from {suspects} where not ok"
        )
    for j, column in loaded.present.items():
        checks = _value_checks(column, unit, schema)
        cases = " ".join(f"when {cond} then {i}" for i, (cond, _, _) in enumerate(checks))
        for i, (_, what, warning) in enumerate(checks):
            whats[(j, i)] = (what, warning)
        if unit is _ROWS:
            value = f"c_{j}"
            trimmed = _trimmed(value) if column.kind == "text" else f"cast({value} as double)"
            shown = "coalesce(cast(v as varchar), '')"
        else:
            value, trimmed, shown = f"c_{j}", _trimmed(f"c_{j}"), "v"
        branches.append(
            f"select {j} as j, n, {shown} as shown, case {cases} end as code "
            f"from (select n, {value} as v, {trimmed} as t from {suspects} where ok)"
        )
    if not branches:
        return
    union = " union all ".join(f"({b})" for b in branches)
    groups = _examples(
        con,
        f"select j, code, count(*), min(n) as first, "
        f"min_by({{'n': n, 'shown': shown}}, n, {EXAMPLES_PER_PROBLEM}) "
        f"from ({union}) where code is not null group by j, code order by first, j",
    )
    width = loaded.width
    for j, code, count, _, examples in groups:
        if j < 0:
            first = examples[0]
            fields = int(first["shown"])
            hint = ""
            if fields > width and schema.separator in DECIMAL_NAMES:
                hint = (
                    f' (a value with a "{schema.separator}" in it? this file writes decimals '
                    f"with a {DECIMAL_NAMES[schema.decimal]}, e.g. "
                    f'"{_decimal_example(schema.decimal)}")'
                )
            out.group(
                loaded.name,
                None,
                "wrong number of fields",
                count,
                [f"{unit.one} {e['n']} ({e['shown']})" for e in examples],
                f"{unit.one} {first['n']} has {fields} fields instead of {width}{hint}",
                unit,
            )
            continue
        what, warning = whats[(j, code)]
        first = examples[0]
        out.group(
            loaded.name,
            loaded.present[j].name,
            what,
            count,
            [f'{unit.one} {e["n"]} "{e["shown"]}"' for e in examples],
            f'{unit.one} {first["n"]} has "{first["shown"]}", {what}',
            unit,
            "warning" if warning else "error",
        )


def _keys(con, loaded: _Loaded, shop: ShopSchema) -> int:
    """Table loaded.keys, in one pass over the rows: every row's number, customer and period
    (its position in shop.period_names; null when the row has none that counts), whether it is
    blank, and whether it is clean (has none of the problems _check_rows looks for); then table
    per_<keys>, one row per customer. Returns the number of data rows."""
    schema, unit = loaded.schema, loaded.unit
    by_name = {c.name: j for j, c in loaded.present.items()}
    id_position = by_name.get(schema.key[0])
    customer = "cast(null as hugeint)"
    if id_position is not None:
        raw = f"c_{id_position}"
        if unit is _ROWS:
            customer = f"cast({raw} as hugeint)"
        else:
            trimmed = _trimmed(raw)
            customer = (
                f"case when not ok then null "
                f"when regexp_full_match({raw}, '[0-9]{{1,18}}') then cast({raw} as bigint) "
                f"when regexp_full_match({trimmed}, {_literal(_INTEGER)}) "
                f"then try_cast({trimmed} as hugeint) end"
            )
    period = "cast(null as utinyint)"
    if schema.period_column in by_name:
        raw = f"c_{by_name[schema.period_column]}"
        names = shop.period_names
        cases = " ".join(
            f"when {_literal(label)} then {names.index(name)}"
            for label, name in shop.period_of.items()
        )
        period = f"cast(case {raw} {cases} else case {_trimmed(raw)} {cases} end end as utinyint)"
    passes = [_passes(c, unit, schema, f"c_{j}") for j, c in loaded.present.items()]
    clean = " and ".join(["ok"] + [f"coalesce({p}, false)" for p in passes])
    con.execute(
        f"create temp table {loaded.keys} as select n, {customer} as customer, "
        f"{period} as period, blank, {clean} as clean from {loaded.rows}"
    )
    con.execute(
        f"create temp table {loaded.per} as select customer, count(*) as rows, "
        f"min(n) as first, count(period) as with_period, "
        f"coalesce(bit_or(1 << cast(period as integer)), 0) as periods "
        f"from {loaded.keys} where customer is not null group by customer"
    )
    return con.execute(f"select count(*) from {loaded.keys} where not blank").fetchone()[0]


def _lines(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers))


def _check_keys(con, loaded: _Loaded, shop: ShopSchema, out: _Problems) -> None:
    """One row per customer (per customer and period in the period files)."""
    schema, unit, keys = loaded.schema, loaded.unit, loaded.keys
    if schema.period_column is None:
        found = _examples(
            con,
            f"with top as (select customer, rows, first, count(*) over () as total "
            f"from {loaded.per} where rows > 1 order by first limit {EXAMPLES_PER_PROBLEM}) "
            f"select customer, rows, list(n order by n), total from top join {keys} "
            f"using (customer) group by customer, rows, first, total order by first",
        )
        if found:
            customer, count, lines, total = found[0]
            out.group(
                loaded.name,
                schema.key[0],
                "duplicated customer id (must be unique)",
                total,
                [f"{c} ({unit.many} {_lines(ls)})" for c, _, ls, _ in found],
                f"customer {customer} appears {count} times ({unit.many} {_lines(lines)}); "
                "each customer must have exactly one row",
                unit,
            )
        return
    found = _examples(
        con,
        f"with twice as (select customer, period, count(*) as rows, min(n) as first, "
        f"list(n order by n) as lines from {keys} where period is not null and customer in "
        f"(select customer from {loaded.per} where with_period > bit_count(periods)) "
        f"group by customer, period having count(*) > 1) "
        f"select customer, period, rows, lines, count(*) over () from twice "
        f"order by first limit {EXAMPLES_PER_PROBLEM}",
    )
    if found:
        customer, period, count, lines, total = found[0]
        name = shop.period_names
        out.group(
            loaded.name,
            ", ".join(schema.key),
            "duplicated (customer, period) row",
            total,
            [f"{c} {name[p]} ({unit.many} {_lines(ls)})" for c, p, _, ls, _ in found],
            f"customer {customer} has {count} rows for period {name[period]} ({unit.many} "
            f"{_lines(lines)}); each customer must have exactly one row per period",
            unit,
        )


def _check_customers(
    con, shop: ShopSchema, customers: _Loaded, loaded: _Loaded, out: _Problems
) -> None:
    """Every customer of the customer file has its rows here, and no one else does."""
    schema, unit = loaded.schema, loaded.unit
    listed = customers.name
    bits = {p: 1 << shop.period_names.index(p) for p in schema.periods}
    needed = sum(bits.values())
    mismatch = f"cross_{loaded.index}"
    con.execute(
        f"create temp table {mismatch} as select c.customer as listed, c.first as listed_first, "
        f"f.customer as here, f.first as here_first, coalesce(f.periods, 0) as periods "
        f"from {customers.per} c full join {loaded.per} f on c.customer = f.customer "
        f"where c.customer is null or f.customer is null or f.periods & {needed} != {needed}"
    )
    found = _examples(
        con,
        f"select here, here_first, count(*) over () from {mismatch} where listed is null "
        f"order by here_first limit {EXAMPLES_PER_PROBLEM}",
    )
    if found:
        customer, first, total = found[0]
        out.group(
            loaded.name,
            schema.key[0],
            f"customer not in {listed}",
            total,
            [f"{c} ({unit.one} {f})" for c, f, _ in found],
            f"customer {customer} ({unit.one} {first}) is not in {listed}",
            unit,
        )
    where = f"{listed} {customers.unit.one}"
    if schema.period_column is None:
        found = _examples(
            con,
            f"select listed, listed_first, count(*) over () from {mismatch} where here is null "
            f"order by listed_first limit {EXAMPLES_PER_PROBLEM}",
        )
        if found:
            customer, first, total = found[0]
            out.group(
                loaded.name,
                schema.key[0],
                f"no row for a customer of {listed}",
                total,
                [f"{c}" for c, _, _ in found],
                f"customer {customer} ({where} {first}) has no row",
                unit,
            )
        return
    periods = ", ".join(f"({i}, {_literal(p)}, {bits[p]})" for i, p in enumerate(schema.periods))
    groups = _examples(
        con,
        f"select i, period, count(*), min(listed_first) as earliest, "
        f"min_by({{'customer': listed, 'first': listed_first}}, listed_first, "
        f"{EXAMPLES_PER_PROBLEM}) from {mismatch} cross join (values {periods}) p(i, period, bit) "
        f"where listed is not null and periods & bit = 0 "
        f"group by i, period order by earliest, i",
    )
    for _, period, total, _, examples in groups:
        label = shop.label_of(period)
        first = examples[0]
        out.group(
            loaded.name,
            schema.period_column,
            f"no row for period «{label}» ({period})",
            total,
            [f"customer {e['customer']}" for e in examples],
            f"customer {first['customer']} ({where} {first['first']}) has no row for period "
            f"«{label}» ({period}); every customer needs one row for each of "
            f"{len(schema.periods)} periods",
            unit,
        )


# ---------------------------------------------------------------------------------------------
# Reading a CSV file


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


def _check_header(
    schema: FileSchema, name: str, found: list[str], unit: _Unit, out: _Problems
) -> list[str]:
    """The column names stripped; each problem with them named (missing, unknown, ...)."""
    expected = list(schema.header)
    stripped = [c.strip() for c in found]
    for raw, column in zip(found, stripped, strict=True):
        if raw != column and column in expected:
            out.add(name, column, f'{unit.names} has "{raw}" with extra spaces')
    for column in expected:
        if column not in stripped:
            out.add(name, column, f"missing from the {unit.names}")
    for column in stripped:
        if column not in expected:
            out.add(name, column, f"not expected in the {unit.names} (unknown column)")
    duplicated = sorted({n for n in stripped if stripped.count(n) > 1})
    for column in duplicated:
        out.add(name, column, f"appears {stripped.count(column)} times in the {unit.names}")
    if sorted(stripped) == sorted(expected) and not duplicated and stripped != expected:
        out.add(
            name,
            None,
            f"columns are not in the expected order: expected {', '.join(expected)}; "
            f"found {', '.join(stripped)}",
        )
    return stripped


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


def _line_batches(path: Path, delimiter: str):
    """The file's lines as Arrow batches (n, line), numbered like the stdlib csv module does."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    reader = pacsv.open_csv(
        path,
        # one thread: splitting lines is cheap, and threads read far ahead (memory)
        read_options=pacsv.ReadOptions(column_names=["line"], block_size=_BLOCK, use_threads=False),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter,
            quote_char=False,
            double_quote=False,
            escape_char=False,
            newlines_in_values=False,
            ignore_empty_lines=False,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={"line": pa.string()},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )
    start = 1
    for batch in reader:
        count = batch.num_rows
        numbers = pa.array(np.arange(start, start + count, dtype=np.int64))
        yield pa.record_batch([numbers, batch.column(0)], names=["n", "line"])
        start += count


def _free_delimiter(path: Path) -> str | None:
    present = set()
    for chunk in _chunks(path):
        present |= {c for c in _LINE_DELIMITERS if c.encode() in chunk}
    return next((c for c in _LINE_DELIMITERS if c not in present), None)


def _fields_sql(schema: FileSchema, line: str) -> str:
    """The fields of a CSV record, as the stdlib csv module splits them (quotes included)."""
    sep = _char_class(schema.separator)
    # a quoted value open to the end, a quoted value with plain text after it, plain text
    field_re = f'(?s)(?:^|{sep})("(?:[^"]|"")*$|"(?:[^"]|"")*"[^{sep}]*|[^{sep}]*)'
    quoted = '(?s)^"((?:[^"]|"")*)"((?:[^"].*)?)$'
    unquote = (
        f"case when regexp_full_match(x, {_literal(quoted)}) then "
        f"replace(regexp_extract(x, {_literal(quoted)}, 1), '\"\"', '\"') || "
        f"regexp_extract(x, {_literal(quoted)}, 2) "
        f"when starts_with(x, '\"') then replace(x[2:], '\"\"', '\"') else x end"
    )
    return (
        f"case when contains({line}, '\"') then list_transform("
        f"regexp_extract_all({line}, {_literal(field_re)}, 1), lambda x: {unquote}) "
        f"else string_split({line}, {_literal(schema.separator)}) end"
    )


def _rows_view(con, schema: FileSchema, lines: str, positions: dict[int, int], width: int, view):
    """View `view` of the rows of table `lines` (n, line): n, nf (the number of fields), ok (nf
    is the header's), blank (a blank line, which is skipped) and c_<j>, the raw field of
    schema column j. (No filter here: DuckDB would copy the split into every condition.)"""
    fields = "".join(f", f[{p + 1}] as c_{j}" for j, p in positions.items())
    con.execute(
        f"create temp view {view} as select n, len(f) as nf, len(f) = {width} as ok, "
        f"len(f) = 1 and {_blank('f[1]')} as blank{fields} "
        f"from (select n, {_fields_sql(schema, 'line')} as f from {lines})"
    )


def _record_patterns(separator: str) -> tuple[str, str]:
    """Regexes of a line that ends outside quotes: one read from outside a quoted value (a
    whole record), one read from inside one (the rest of a record). A quote opens a quoted value
    only at the start of a field, as in the stdlib csv module; after the closing quote the rest
    of the field is plain text."""
    sep = _char_class(separator)
    plain = f'(?:[^"{sep}][^{sep}]*)?'
    field = f'(?:"(?:[^"]|"")*"{plain}|{plain})'
    rest = f"{plain}(?:{sep}{field})*"
    return f"(?s){field}(?:{sep}{field})*", f'(?s)(?:[^"]|"")*"{rest}'


def _line_end(path: Path) -> str:
    """How the file ends its lines (what joins the lines of a value that spans them)."""
    with path.open("rb") as file:
        head = file.read(_HEAD)
    found = re.search(rb"\r\n|\r|\n", head)
    return found.group().decode() if found else "\n"


def _ingest_csv(con, path: Path, schema: FileSchema, table: str) -> None:
    """Table `table` (n, line): the data lines, or the records when a quoted value spans lines
    (named by their last line); raises _NotUtf8 when a byte is not UTF-8."""
    import pyarrow as pa

    delimiter = _LINE_DELIMITERS[0]
    for attempt in range(2):
        con.execute(f"create or replace temp table {table} (n bigint, line varchar)")
        try:
            for batch in _line_batches(path, delimiter):
                con.register("lines_batch", batch)
                con.execute(f"insert into {table} select * from lines_batch where n > 1")
                con.unregister("lines_batch")
            break
        except pa.ArrowInvalid:
            with contextlib.suppress(Exception):
                con.unregister("lines_batch")
            error = _utf8_error(path)
            if error is not None:
                raise error from None
            delimiter = _free_delimiter(path) if attempt == 0 else None
            if delimiter is None:
                raise
    record, rest = (_literal(p) for p in _record_patterns(schema.separator))
    quoted = f"from {table} where contains(line, '\"')"
    if not con.execute(
        f"select count(*) {quoted} and not regexp_full_match(line, {record})"
    ).fetchone()[0]:
        return  # no line leaves a quoted value open
    # Only a line with a quote in it can open or close a quoted value: follow them in order.
    spans, start = [], None
    for n, closes_record, closes_value in con.execute(
        f"select n, regexp_full_match(line, {record}), regexp_full_match(line, {rest}) "
        f"{quoted} order by n"
    ).fetchall():
        if start is None and not closes_record:
            start = n
        elif start is not None and closes_value:
            spans.append((start, n))
            start = None
    if start is not None:  # open at the end of the file: the rest is one value
        spans.append((start, con.execute(f"select max(n) from {table}").fetchone()[0]))
    con.execute("create or replace temp table spans (first bigint, last bigint)")
    con.executemany("insert into spans values (?, ?)", spans)
    con.execute(
        f"create or replace temp table {table} as "
        f"select n, line from {table} where not exists "
        f"(select 1 from spans where n between first and last) union all "
        f"select last as n, string_agg(line, {_literal(_line_end(path))} order by n) as line "
        f"from {table} join spans on n between first and last group by last"
    )
    con.execute("drop table spans")


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
    lines = f"lines_{index}"
    try:
        _ingest_csv(con, path, schema, lines)
    except _NotUtf8 as error:
        out.add(name, None, error.message())
        return None
    out.direct.extend(header_problems.direct)
    positions = {name: i for i, name in reversed(list(enumerate(header)))}
    present = {j: c for j, c in enumerate(schema.columns) if c.name in positions}
    fields = {j: positions[c.name] for j, c in present.items()}
    _rows_view(con, schema, lines, fields, len(header), f"rows_{index}")
    return _Loaded(schema, name, _LINES, index, present, len(header))


# ---------------------------------------------------------------------------------------------
# Reading a Parquet file


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


# ---------------------------------------------------------------------------------------------
# Entry points


def _drop_rows(con, loaded: _Loaded) -> None:
    con.execute(f"drop view if exists {loaded.rows}")
    for table in (loaded.keys, f"suspects_{loaded.index}", f"lines_{loaded.index}"):
        con.execute(f"drop table if exists {table}")


@contextlib.contextmanager
def _database() -> Iterator[duckdb.DuckDBPyConnection]:
    with tempfile.TemporaryDirectory(prefix="one_click_validate_") as spill:
        con = duckdb.connect(config={"temp_directory": spill, "memory_limit": _MEMORY_LIMIT})
        try:
            yield con
        finally:
            con.close()


def validate_delivery(directory: Path | str, project: Path | None = None) -> Report:
    """Check the delivered files in `directory` (each as CSV or Parquet) against the project's
    vars (`project`: the dbt project, default one_click.project.project_dir())."""
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


def validate_seeds(seeds_dir: Path | str, project: Path | None = None) -> Report:
    """The delivered files in the seed directory (what the refresh checks): validate_delivery."""
    return validate_delivery(seeds_dir, project)


def seeds_dir(project: Path | None = None) -> Path:
    """The project's seed directory (the first of `seed-paths` in dbt_project.yml)."""
    project = project or project_dir()
    return project / (project_config(project).get("seed-paths") or ["seeds"])[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m one_click.validate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", nargs="?", type=Path, help="default: the seed directory")
    args = parser.parse_args(argv)
    directory = args.directory or seeds_dir()
    report = validate_delivery(directory)
    if report.problems:
        print(report.format())
    print(f"{directory}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
