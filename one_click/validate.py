"""Pre-flight checks of the delivered CSV files, before dbt sees them.

Each delivered file has a declared schema below: separator, decimal mark, the header in order,
a type per column, the values the shop's README fixes, and the keys. `validate_seeds(dir)`
reads the four files with the stdlib csv module and returns every problem it finds, each
naming the file, the column and the problem, with line numbers (1 = the header line).

Errors stop a refresh before anything is built; warnings (a favourite category never seen
before, which the churn model scores as unseen) are printed and let it go on.

Run it by hand: `python -m one_click.validate [SEEDS_DIR]` (exit code 1 when there are errors).
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

# ---------------------------------------------------------------------------------------------
# The declared schemas. The values mirror the SQL: macros/shop_vocabulary.sql maps the period
# labels and corrects the misspelt values, dbt_project.yml lists the periods of each file;
# tests/python/test_validate.py fails if the two drift apart.

# delivered period label -> period; the misspelt label is one the shop really sends
PERIOD_LABELS: Mapping[str, str] = {
    "текущий_месяц": "current_month",
    "предыдущий_месяц": "previous_month",
    "предыдцщий_месяц": "previous_month",
    "препредыдущий_месяц": "month_before_previous",
}
REVENUE_PERIODS = ("current_month", "previous_month", "month_before_previous")
SITE_TIME_PERIODS = ("current_month", "previous_month")

# the favourite categories seen so far (with the delivered misspelling); a new one is a warning
KNOWN_CATEGORIES = frozenset(
    {
        "Товары для детей",
        "Домашний текстиль",
        "Косметика и аксессуары",
        "Косметика и аксесуары",
        "Техника для красоты и здоровья",
        "Кухонная посуда",
        "Мелкая бытовая техника и электроника",
    }
)

Kind = Literal["integer", "number", "text"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    allowed: frozenset[str] | None = None  # any other value is an error
    known: frozenset[str] | None = None  # any other value is a warning
    minimum: float | None = None


@dataclass(frozen=True)
class FileSchema:
    name: str
    separator: str
    decimal: str
    columns: tuple[Column, ...]
    # period files: one row per customer and period, for each of `periods`
    period_column: str | None = None
    periods: tuple[str, ...] = ()

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _count(name: str) -> Column:
    return Column(name, "integer", minimum=0)


def _amount(name: str) -> Column:
    return Column(name, "number", minimum=0)


def _one_of(name: str, *values: str) -> Column:
    return Column(name, "text", allowed=frozenset(values))


def _labels(periods: Iterable[str]) -> frozenset[str]:
    return frozenset(label for label, period in PERIOD_LABELS.items() if period in periods)


ID = Column("id", "integer")

SCHEMAS: tuple[FileSchema, ...] = (
    FileSchema(
        "market_file.csv",
        ",",
        ".",
        (
            ID,
            _one_of("Покупательская активность", "Снизилась", "Прежний уровень"),
            # «стандартт» is a misspelling the shop sends; staging corrects it
            _one_of("Тип сервиса", "премиум", "стандарт", "стандартт"),
            _one_of("Разрешить сообщать", "да", "нет"),
            _amount("Маркет_актив_6_мес"),
            _count("Маркет_актив_тек_мес"),
            _count("Длительность"),
            _amount("Акционные_покупки"),
            Column("Популярная_категория", "text", known=KNOWN_CATEGORIES),
            _count("Средний_просмотр_категорий_за_визит"),
            _count("Неоплаченные_продукты_штук_квартал"),
            _count("Ошибка_сервиса"),
            _count("Страниц_за_визит"),
        ),
    ),
    FileSchema(
        "market_money.csv",
        ",",
        ".",
        (ID, Column("Период", "text", allowed=_labels(REVENUE_PERIODS)), _amount("Выручка")),
        period_column="Период",
        periods=REVENUE_PERIODS,
    ),
    FileSchema(
        "market_time.csv",
        ",",
        ".",
        (ID, Column("Период", "text", allowed=_labels(SITE_TIME_PERIODS)), _count("минут")),
        period_column="Период",
        periods=SITE_TIME_PERIODS,
    ),
    FileSchema("money.csv", ";", ",", (ID, _amount("Прибыль"))),
)
CUSTOMERS_FILE = "market_file.csv"

SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DECIMAL_NAMES = {".": "decimal point", ",": "decimal comma"}
DECIMAL_EXAMPLES = {".": "0.98", ",": "0,98"}
EXAMPLES_PER_PROBLEM = 5
MAX_PROBLEMS = 40

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

# ---------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    file: str
    column: str | None
    message: str
    severity: Literal["error", "warning"] = "error"

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


class _Problems:
    """Collects row-level findings and groups them: one problem per file, column and kind."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._groups: dict[tuple[str, str | None, str, str], list[str]] = defaultdict(list)
        self._singles: dict[tuple[str, str | None, str, str], str] = {}

    def add(
        self,
        file: str,
        column: str | None,
        message: str,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        self.problems.append(Problem(file, column, message, severity))

    def add_item(
        self,
        file: str,
        column: str | None,
        what: str,
        item: str,
        single: str,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        """One finding of kind `what`; `item` names it in a list, `single` says it alone."""
        key = (file, column, what, severity)
        self._groups[key].append(item)
        self._singles.setdefault(key, single)

    def flush(self) -> list[Problem]:
        for (file, column, what, severity), items in self._groups.items():
            if len(items) == 1:
                message = self._singles[(file, column, what, severity)]
            else:
                shown = ", ".join(items[:EXAMPLES_PER_PROBLEM])
                more = len(items) - EXAMPLES_PER_PROBLEM
                message = f"{what}; {len(items)} lines: {shown}" + (
                    f" and {more} more" if more > 0 else ""
                )
            self.problems.append(Problem(file, column, message, severity))
        self._groups.clear()
        self._singles.clear()
        return self.problems

    def value(
        self,
        file: str,
        column: str,
        line: int,
        value: str,
        what: str,
        severity: Literal["error", "warning"] = "error",
    ) -> None:
        self.add_item(
            file,
            column,
            what,
            f'line {line} "{value}"',
            f'line {line} has "{value}", {what}',
            severity,
        )


# ---------------------------------------------------------------------------------------------
# Reading one file


@dataclass
class _Parsed:
    """What the cross-file checks need from one file: the ids and periods per line."""

    ids: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # id -> lines
    periods: dict[tuple[int, str], list[int]] = field(default_factory=lambda: defaultdict(list))


def _decode(schema: FileSchema, path: Path, out: _Problems) -> str | None:
    if not path.is_file():
        out.add(schema.name, None, f"file not found (expected at {path})")
        return None
    data = path.read_bytes()
    if not data.strip():
        out.add(schema.name, None, f"file is empty ({len(data)} bytes): no header, no rows")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        out.add(
            schema.name,
            None,
            f"not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); "
            "the file must be saved as UTF-8",
        )
        return None


def _check_header(schema: FileSchema, text: str, out: _Problems) -> list[str] | None:
    """The header's column names, or None when the file cannot be read any further."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    expected = list(schema.header)
    found = next(csv.reader([first_line], delimiter=schema.separator), [])
    if found == expected:
        return found
    for separator, name in SEPARATOR_NAMES.items():
        if separator == schema.separator:
            continue
        other = next(csv.reader([first_line], delimiter=separator), [])
        if [c.strip() for c in other] == expected:
            out.add(
                schema.name,
                None,
                f'wrong separator: fields are separated by "{separator}" ({name}), but this '
                f'file must use "{schema.separator}" ({SEPARATOR_NAMES[schema.separator]}) with '
                f'a {DECIMAL_NAMES[schema.decimal]} ("{DECIMAL_EXAMPLES[schema.decimal]}"); '
                f"header line: {first_line!r}",
            )
            return None
    stripped = [c.strip() for c in found]
    for raw, name in zip(found, stripped, strict=True):
        if raw != name and name in expected:
            out.add(schema.name, name, f'header has "{raw}" with extra spaces')
    for name in expected:
        if name not in stripped:
            out.add(schema.name, name, "missing from the header")
    for name in stripped:
        if name not in expected:
            out.add(schema.name, name, "not expected in the header (unknown column)")
    duplicated = sorted({n for n in stripped if stripped.count(n) > 1})
    for name in duplicated:
        out.add(schema.name, name, f"appears {stripped.count(name)} times in the header")
    if sorted(stripped) == sorted(expected) and not duplicated and stripped != expected:
        out.add(
            schema.name,
            None,
            f"columns are not in the expected order: expected {', '.join(expected)}; "
            f"found {', '.join(stripped)}",
        )
    if len(stripped) == 1 and len(expected) > 1:
        out.add(
            schema.name,
            None,
            f'the header has a single column; fields must be separated by "{schema.separator}"',
        )
        return None
    return stripped


def _check_value(
    schema: FileSchema, column: Column, line: int, raw: str, out: _Problems
) -> float | str | None:
    value = raw.strip()
    if value == "":
        out.value(schema.name, column.name, line, raw, "empty (a value is required)")
        return None
    if column.kind == "text":
        if column.allowed is not None and value not in column.allowed:
            choices = ", ".join(f"«{v}»" for v in sorted(column.allowed))
            out.value(schema.name, column.name, line, raw, f"not one of {choices}")
        elif column.known is not None and value not in column.known:
            out.value(
                schema.name,
                column.name,
                line,
                raw,
                "a category not seen before (the churn model scores it as an unseen category)",
                severity="warning",
            )
        return value
    if column.kind == "integer":
        if not _INTEGER.fullmatch(value):
            out.value(schema.name, column.name, line, raw, "not a whole number")
            return None
        number: float = int(value)
    else:
        decimal = schema.decimal
        other = "," if decimal == "." else "."
        if other in value and decimal not in value and _NUMBER.fullmatch(value.replace(other, ".")):
            out.value(
                schema.name,
                column.name,
                line,
                raw,
                f"wrong decimal mark: a {DECIMAL_NAMES[other]} where this file uses a "
                f'{DECIMAL_NAMES[decimal]} ("{DECIMAL_EXAMPLES[decimal]}")',
            )
            return None
        if not _NUMBER.fullmatch(value.replace(decimal, ".") if decimal != "." else value):
            out.value(
                schema.name,
                column.name,
                line,
                raw,
                f"not a number ({DECIMAL_NAMES[decimal]} expected, e.g. "
                f'"{DECIMAL_EXAMPLES[decimal]}")',
            )
            return None
        number = float(value.replace(decimal, "."))
    if column.minimum is not None and number < column.minimum:
        out.value(
            schema.name, column.name, line, raw, f"negative (must be {column.minimum:g} or more)"
        )
    return number


def _check_file(schema: FileSchema, path: Path, out: _Problems) -> _Parsed | None:
    text = _decode(schema, path, out)
    if text is None:
        return None
    header = _check_header(schema, text, out)
    if header is None:
        return None
    positions = {name: i for i, name in reversed(list(enumerate(header)))}
    columns = [(positions[c.name], c) for c in schema.columns if c.name in positions]
    parsed = _Parsed()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=schema.separator)
    next(reader)
    rows = 0
    too_many_hint = (
        f' (a value with a "{schema.separator}" in it? this file writes decimals with a '
        f'{DECIMAL_NAMES[schema.decimal]}, e.g. "{DECIMAL_EXAMPLES[schema.decimal]}")'
        if schema.separator == ","
        else ""
    )
    for row in reader:
        line = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank lines are skipped by the loader too
        rows += 1
        if len(row) != len(header):
            what = f"{len(row)} fields instead of {len(header)}"
            out.add_item(
                schema.name,
                None,
                "wrong number of fields",
                f"line {line} ({len(row)})",
                f"line {line} has {what}" + (too_many_hint if len(row) > len(header) else ""),
            )
            continue
        values = {c.name: _check_value(schema, c, line, row[i], out) for i, c in columns}
        customer = values.get("id")
        if not isinstance(customer, int):
            continue
        parsed.ids[customer].append(line)
        if schema.period_column:
            label = values.get(schema.period_column)
            if isinstance(label, str) and label in PERIOD_LABELS:
                parsed.periods[(customer, PERIOD_LABELS[label])].append(line)
    if rows == 0:
        out.add(schema.name, None, "has a header but no data rows")
        return None
    _check_keys(schema, parsed, out)
    return parsed


def _check_keys(schema: FileSchema, parsed: _Parsed, out: _Problems) -> None:
    if schema.period_column is None:
        for customer, lines in parsed.ids.items():
            if len(lines) > 1:
                where = ", ".join(map(str, lines))
                out.add_item(
                    schema.name,
                    "id",
                    "duplicated customer id (must be unique)",
                    f"{customer} (lines {where})",
                    f"customer {customer} appears {len(lines)} times (lines {where}); "
                    "each customer must have exactly one row",
                )
        return
    for (customer, period), lines in parsed.periods.items():
        if len(lines) > 1:
            where = ", ".join(map(str, lines))
            out.add_item(
                schema.name,
                f"id, {schema.period_column}",
                "duplicated (customer, period) row",
                f"{customer} {period} (lines {where})",
                f"customer {customer} has {len(lines)} rows for period {period} (lines {where}); "
                "each customer must have exactly one row per period",
            )


def _label_of(period: str) -> str:
    return next(label for label, p in PERIOD_LABELS.items() if p == period)


def _check_customers(
    customers: _Parsed, schema: FileSchema, parsed: _Parsed, out: _Problems
) -> None:
    """Every customer of market_file.csv has its rows here, and no one else does."""
    for customer, lines in parsed.ids.items():
        if customer not in customers.ids:
            out.add_item(
                schema.name,
                "id",
                f"customer not in {CUSTOMERS_FILE}",
                f"{customer} (line {lines[0]})",
                f"customer {customer} (line {lines[0]}) is not in {CUSTOMERS_FILE}",
            )
    for customer, lines in customers.ids.items():
        where = f"{CUSTOMERS_FILE} line {lines[0]}"
        if schema.period_column is None:
            if customer not in parsed.ids:
                out.add_item(
                    schema.name,
                    "id",
                    f"no row for a customer of {CUSTOMERS_FILE}",
                    f"{customer}",
                    f"customer {customer} ({where}) has no row",
                )
            continue
        for period in schema.periods:
            if (customer, period) not in parsed.periods:
                label = _label_of(period)
                out.add_item(
                    schema.name,
                    schema.period_column,
                    f"no row for period «{label}» ({period})",
                    f"customer {customer}",
                    f"customer {customer} ({where}) has no row for period «{label}» ({period}); "
                    f"every customer needs one row for each of {len(schema.periods)} periods",
                )


# ---------------------------------------------------------------------------------------------
# Entry points


def validate_seeds(seeds_dir: Path | str) -> Report:
    """Check the four delivered files in `seeds_dir`; every problem found, grouped and named."""
    seeds_dir = Path(seeds_dir)
    out = _Problems()
    parsed = {schema.name: _check_file(schema, seeds_dir / schema.name, out) for schema in SCHEMAS}
    customers = parsed[CUSTOMERS_FILE]
    if customers is not None:
        for schema in SCHEMAS:
            other = parsed[schema.name]
            if schema.name != CUSTOMERS_FILE and other is not None:
                _check_customers(customers, schema, other, out)
    declared = {schema.name for schema in SCHEMAS}
    if seeds_dir.is_dir():
        for extra in sorted(p.name for p in seeds_dir.glob("*.csv") if p.name not in declared):
            out.add(extra, None, "not a delivered file; dbt loads it as a seed too", "warning")
    return Report(out.flush())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m one_click.validate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("seeds_dir", nargs="?", default="seeds", type=Path)
    args = parser.parse_args(argv)
    report = validate_seeds(args.seeds_dir)
    if report.problems:
        print(report.format())
    print(f"{args.seeds_dir}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
