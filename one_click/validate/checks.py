"""The checks of one loaded file (its rows: CSV fields as read, or Parquet values as typed), and
across files: values against their column's kind, type and vocabulary, one row per key, every
customer in every file, and (when the delivery trains the model) enough customers of each class
of the target for the cross-validation's folds."""

from __future__ import annotations

import math
from dataclasses import dataclass

from one_click.ml.folds import (
    CALIBRATION_FOLDS,
    FINAL_SEARCH_FOLDS,
    HOLDOUT_SIZE,
    INNER_FOLDS,
    OUTER_FOLDS,
)
from one_click.validate.messages import _LINES, _ROWS, EXAMPLES_PER_PROBLEM, _Problems, _Unit
from one_click.validate.schemas import (
    DECIMAL_NAMES,
    Column,
    FileSchema,
    ShopSchema,
    _decimal_example,
    _duckdb_type,
)
from one_click.validate.sql import _blank, _char_class, _examples, _list, _literal, _trimmed

_INTEGER = "[+-]?[0-9]+"
_NUMBER = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
# what a delivery that trains needs, and what it can do instead
SCORE_COMMAND = "make score"


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


def _unfit(value: str, column: Column) -> str:
    """SQL: the whole number `value` (any integer type, or its text) does not fit the type the
    column is loaded as (var shop_files), so staging's cast to it would fail."""
    return f"try_cast({value} as {column.declared}) is null"


def _out_of_range(column: Column) -> str:
    return f"out of range for {_duckdb_type(column.declared)} (the type the column is loaded as)"


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
        if column.kind == "integer":
            checks.append((f"{_unfit('v', column)}", _out_of_range(column), False))
        return checks
    checks.append(("t = ''", empty, False))
    if column.kind == "integer":
        checks.append(
            (f"not regexp_full_match(t, {_literal(_INTEGER)})", "not a whole number", False)
        )
        if column.minimum is not None:
            checks.append(("starts_with(t, '-') and regexp_matches(t, '[1-9]')", negative, False))
        checks.append((f"{_unfit('t', column)}", _out_of_range(column), False))
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
        low = f"{value} is not null" if column.minimum is None else f"{value} >= {column.minimum}"
        return f"{low} and not {_unfit(value, column)}"
    if column.kind == "integer":
        return f"regexp_full_match({value}, '[0-9]+') and not {_unfit(value, column)}"
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
            f"from {suspects} where not ok and nf is not null"
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


def fewest_per_class() -> int:
    """The fewest customers of each class of the target that training can split: the search's
    outer folds (and its holdout split), the inner folds tuning a family within each, and the
    folds calibrating a model within those; and the final search's folds over all customers.
    The fold counts are the training's own (one_click.ml.folds)."""

    def kept(n: int, held_out: float) -> int:  # the fewest a stratified split leaves to train on
        return n - math.ceil(n * held_out)

    def splits(n: int) -> bool:
        outer = min(kept(n, 1 / OUTER_FOLDS), kept(n, HOLDOUT_SIZE))
        search = n >= OUTER_FOLDS and outer >= INNER_FOLDS
        search = search and kept(outer, 1 / INNER_FOLDS) >= CALIBRATION_FOLDS
        final = n >= FINAL_SEARCH_FOLDS and kept(n, 1 / FINAL_SEARCH_FOLDS) >= CALIBRATION_FOLDS
        return search and final

    return next(n for n in range(1, 1 << 16) if splits(n))


def _check_classes(con, loaded: _Loaded, out: _Problems) -> None:
    """A delivery that trains the model: each class of the target has enough customers."""
    schema = loaded.schema
    by_name = {c.name: j for j, c in loaded.present.items()}
    if schema.target not in by_name or not schema.target_classes:
        return
    value = _trimmed(f"cast(c_{by_name[schema.target]} as varchar)")
    labels = dict(schema.target_classes)
    counts = dict.fromkeys(labels.values(), 0)
    for label, count in con.execute(
        f"select v, count(*) from (select {value} as v from {loaded.rows} where ok) "
        f"where list_contains({_list(labels)}, v) group by v"
    ).fetchall():
        counts[labels[label]] += count
    if not any(counts.values()):
        return  # no value is a label: named already, value by value
    fewest = fewest_per_class()
    name_of = {flag: label for label, flag in reversed(schema.target_classes)}
    classes = " and ".join(f"«{name_of[flag]}»" for flag in counts)
    instead = (
        f"training needs at least {fewest} customers of each of {classes} (the "
        f"cross-validation's folds); to score this delivery with the kept model instead, run "
        f"`{SCORE_COMMAND}`"
    )
    present = [flag for flag, count in counts.items() if count]
    if len(present) == 1:
        out.add(
            loaded.name,
            schema.target,
            f"every customer is «{name_of[present[0]]}»: the churn model cannot be trained on one "
            f"class; {instead}",
        )
        return
    for flag, count in counts.items():
        if count < fewest:
            out.add(
                loaded.name,
                schema.target,
                f"only {count} customer{'s' if count != 1 else ''} «{name_of[flag]}»: too few to "
                f"train the churn model; {instead}",
            )
