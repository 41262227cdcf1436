"""The delivered files as the project declares them: var shop_files (separator, decimal mark,
key, header in order with a DuckDB type per column, the target column, the columns whose values
come from var shop_vocabulary, and for the period tables the var listing their periods) and var
shop_vocabulary. Nothing of them is written here. The first of shop_files is the customer list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from one_click.project import setting

Kind = Literal["integer", "number", "text"]

# Characters a delivered file may use between fields (for naming a wrong separator), and the
# decimal marks: generic CSV knowledge; which file uses which lives in var shop_files.
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DECIMAL_NAMES = {".": "decimal point", ",": "decimal comma"}
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
    target: str | None = None  # the label the churn model learns (customer list only)
    target_classes: tuple[tuple[str, bool], ...] = ()  # its labels -> class
    reader: tuple[tuple[str, Any], ...] = ()  # read_csv's options (var shop_csv_reader)

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
    reader = setting("shop_csv_reader", project)
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
                spec.get("target"),
                _classes(spec, vocabulary),
                tuple(reader.items()),
            )
        )
    return ShopSchema(tuple(schemas), period_of)


def _classes(spec: dict, vocabulary: dict) -> tuple[tuple[str, bool], ...]:
    """The target's labels as staging reads them (macro shop_flag), each with its class."""
    target = spec.get("target")
    if target is None:
        return ()
    words = vocabulary[(spec.get("vocabulary") or {})[target]]
    return tuple((str(label), bool(flag)) for label, flag in words.items())


def _decimal_example(mark: str) -> str:
    return f"0{mark}98"
