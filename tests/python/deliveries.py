"""The delivered files and broken versions of them, shared by the validation, refresh and
synthetic-delivery tests (a helper module, not a test module)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DELIVERED_FILES = ("market_file.csv", "market_money.csv", "market_time.csv", "money.csv")


# ---------------------------------------------------------------------------------------------
# Delivered files and broken versions of them (one_click.validate, one_click.refresh)


def to_parquet(delivery: Path, table: str) -> Path:
    """Replace <table>.csv in `delivery` by <table>.parquet: the same rows, typed as var
    shop_files declares (a number with a decimal comma becomes a double)."""
    import duckdb

    from one_click.project import setting

    spec = setting("shop_files", PROJECT_DIR)[table]
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in spec["columns"].items())
    source, target = delivery / f"{table}.csv", delivery / f"{table}.parquet"
    with duckdb.connect(config={"threads": 1}) as con:  # one thread keeps the row order
        con.execute(
            f"copy (select * from read_csv('{source}', header = true, "
            f"delim = '{spec['separator']}', decimal_separator = '{spec['decimal']}', "
            f"columns = {{{columns}}})) to '{target}' (format parquet)"
        )
    source.unlink()
    return target


def read_rows(path: Path) -> list[str]:
    """The file's lines without their CRLF ends (every delivered file uses CRLF)."""
    return path.read_bytes().decode("utf-8").split("\r\n")


def write_rows(path: Path, rows: list[str]) -> None:
    path.write_bytes("\r\n".join(rows).encode("utf-8"))


def _replace_line(number: int, old: str, new: str) -> Callable[[list[str]], list[str]]:
    """Edit line `number` (1 = header), replacing `old` by `new` once."""

    def edit(rows: list[str]) -> list[str]:
        assert old in rows[number - 1], (number, old, rows[number - 1])
        rows[number - 1] = rows[number - 1].replace(old, new, 1)
        return rows

    return edit


def _money_with_commas(rows: list[str]) -> list[str]:
    # what a default spreadsheet export gives: "," between fields and a decimal point
    return [row.replace(",", ".").replace(";", ",") for row in rows]


def _market_file_with_semicolons(rows: list[str]) -> list[str]:
    return [row.replace(",", ";") for row in rows]


def _money_with_decimal_points(rows: list[str]) -> list[str]:
    return [row.replace(",", ".") for row in rows]


def _revenue_with_quoted_decimal_commas(rows: list[str]) -> list[str]:
    out = rows[:1]
    for row in rows[1:]:
        if row:
            customer, period, revenue = row.split(",")
            row = f'{customer},{period},"{revenue.replace(".", ",")}"'
        out.append(row)
    return out


def _without_column(name: str) -> Callable[[list[str]], list[str]]:
    def edit(rows: list[str]) -> list[str]:
        position = rows[0].split(",").index(name)
        return [",".join(v for i, v in enumerate(r.split(",")) if i != position) for r in rows]

    return edit


def _with_line_repeated(number: int) -> Callable[[list[str]], list[str]]:
    def edit(rows: list[str]) -> list[str]:
        return (
            [*rows[:-1], rows[number - 1], rows[-1]]
            if rows[-1] == ""
            else [*rows, rows[number - 1]]
        )

    return edit


def _without_line(number: int) -> Callable[[list[str]], list[str]]:
    def edit(rows: list[str]) -> list[str]:
        return rows[: number - 1] + rows[number:]

    return edit


def _with_extra_line(line: str) -> Callable[[list[str]], list[str]]:
    def edit(rows: list[str]) -> list[str]:
        return [*rows[:-1], line, ""] if rows[-1] == "" else [*rows, line]

    return edit


@dataclass(frozen=True)
class ParquetEdit:
    """The same breakage in a Parquet delivery: the file holds what `sql`, a query over
    `delivered` (the file's rows as delivered, in order), returns, or the bytes `content`."""

    expected: tuple[str, ...]  # fragments the error message must contain
    sql: str | None = None
    content: bytes = b""

    def apply(self, path: Path) -> None:
        if self.sql is None:
            path.unlink()
            path.write_bytes(self.content)
            return
        import duckdb

        with duckdb.connect(config={"threads": 1}) as con:  # one thread keeps the row order
            con.execute(f"create table delivered as select * from read_parquet('{path}')")
            path.unlink()
            con.execute(f"copy ({self.sql}) to '{path}' (format parquet)")


@dataclass(frozen=True)
class BadInput:
    """One broken delivery: the file, how it is broken, and what the refusal must say; and the
    same breakage in a Parquet delivery where one makes sense (separators, decimal marks and
    encodings do not)."""

    name: str
    file: str
    edit: Callable[[list[str]], list[str]] | None  # None: the file's bytes are `content`
    expected: tuple[str, ...]  # fragments the error message must contain
    content: bytes = b""
    parquet: ParquetEdit | None = None

    def apply(self, seeds: Path) -> None:
        path = seeds / self.file
        if self.edit is None:
            path.unlink()
            path.write_bytes(self.content)
        else:
            rows = self.edit(read_rows(path))
            path.unlink()  # the delivered files are read-only; the copy's folder is not
            write_rows(path, rows)


BAD_INPUTS = (
    BadInput(
        # an id the loaded type (INTEGER) cannot hold: staging's cast would fail
        "id_beyond_the_loaded_type",
        "money.csv",
        _replace_line(2, "215348;", "3000215348;"),
        ('money.csv, column "id": line 2 has "3000215348", out of range for INTEGER',),
        parquet=ParquetEdit(
            ('money.parquet, column "id": row 1 has "3000215348", out of range for INTEGER',),
            "select * replace (cast(id as bigint) + case when id = 215348 then 3000000000 "
            "else 0 end as id) from delivered",
        ),
    ),
    BadInput(
        "minutes_beyond_the_loaded_type",
        "market_time.csv",
        _replace_line(2, ",14", ",2147483648"),
        ('market_time.csv, column "минут": line 2 has "2147483648", out of range for INTEGER',),
        parquet=ParquetEdit(
            ('market_time.parquet, column "минут": row 1 has "2147483648", out of range',),
            """select * replace (case when id = 215348 and "Период" = 'текущий_месяц'
            then 2147483648 else cast("минут" as bigint) end as "минут") from delivered""",
        ),
    ),
    BadInput(
        # text after a closing quote: the reader refuses the record (Python's csv would not)
        "text_after_a_closing_quote",
        "money.csv",
        _replace_line(2, ";0,98", ';"0,9"8'),
        ('money.csv, column "Прибыль": line 2 has a quote the reader cannot close',),
    ),
    BadInput(
        "money_separated_by_comma",
        "money.csv",
        _money_with_commas,
        ("money.csv", "wrong separator", 'separated by ","', 'must use ";"'),
    ),
    BadInput(
        "market_file_separated_by_semicolon",
        "market_file.csv",
        _market_file_with_semicolons,
        ("market_file.csv", "wrong separator", 'separated by ";"', 'must use ","'),
    ),
    BadInput(
        "money_with_decimal_point",
        "money.csv",
        _money_with_decimal_points,
        ('money.csv, column "Прибыль"', "wrong decimal mark", "decimal point", "line 2 "),
    ),
    BadInput(
        "revenue_with_decimal_comma",
        "market_money.csv",
        _revenue_with_quoted_decimal_commas,
        ('market_money.csv, column "Выручка"', "wrong decimal mark", "decimal comma"),
        # a spreadsheet that writes decimal commas exports the column as text
        parquet=ParquetEdit(
            ('market_money.parquet, column "Выручка"', "has type VARCHAR", "DOUBLE"),
            """select * replace (replace(cast("Выручка" as varchar), '.', ',') as "Выручка")
            from delivered""",
        ),
    ),
    BadInput(
        "missing_column",
        "market_file.csv",
        _without_column("Длительность"),
        ('market_file.csv, column "Длительность"', "missing from the header"),
        parquet=ParquetEdit(
            ('market_file.parquet, column "Длительность"', "missing from the schema"),
            'select * exclude ("Длительность") from delivered',
        ),
    ),
    BadInput(
        "duplicated_customer",
        "market_file.csv",
        _with_line_repeated(2),
        ('market_file.csv, column "id"', "customer 215348 appears 2 times", "lines 2, 1302"),
        parquet=ParquetEdit(
            ('market_file.parquet, column "id"', "customer 215348 appears 2 times", "rows 1, 1301"),
            "select * from delivered union all (select * from delivered limit 1)",
        ),
    ),
    BadInput(
        "duplicated_customer_period",
        "market_time.csv",
        _with_line_repeated(2),
        ('market_time.csv, column "id, Период"', "customer 215348 has 2 rows", "current_month"),
        parquet=ParquetEdit(
            (
                'market_time.parquet, column "id, Период"',
                "customer 215348 has 2 rows",
                "current_month (rows 1, 2601)",
            ),
            "select * from delivered union all (select * from delivered limit 1)",
        ),
    ),
    BadInput(
        "negative_revenue",
        "market_money.csv",
        _replace_line(3, ",3293.1", ",-3293.1"),
        ('market_money.csv, column "Выручка"', 'line 3 has "-3293.1"', "negative"),
        parquet=ParquetEdit(
            ('market_money.parquet, column "Выручка"', 'row 2 has "-3293.1"', "negative"),
            """select * replace (case when id = 215348 and "Период" = 'текущий_месяц'
            then -"Выручка" else "Выручка" end as "Выручка") from delivered""",
        ),
    ),
    BadInput(
        "profit_not_a_number",
        "money.csv",
        _replace_line(17, ";1,83", ";abc"),
        ('money.csv, column "Прибыль": line 17 has "abc", not a number (decimal comma expected',),
        parquet=ParquetEdit(
            ('money.parquet, column "Прибыль": row 1 has "nan", not a number',),
            """select * replace (case when id = 215348 then 'nan'::double else "Прибыль" end
            as "Прибыль") from delivered""",
        ),
    ),
    BadInput(
        "minutes_not_a_whole_number",
        "market_time.csv",
        _replace_line(2, ",14", ",14.5"),
        ('market_time.csv, column "минут"', 'line 2 has "14.5", not a whole number'),
        parquet=ParquetEdit(
            ('market_time.parquet, column "минут"', "has type DOUBLE", "INTEGER"),
            'select * replace (cast("минут" as double) + 0.5 as "минут") from delivered',
        ),
    ),
    BadInput(
        "unknown_target_value",
        "market_file.csv",
        _replace_line(2, "Снизилась", "Выросла"),
        ('market_file.csv, column "Покупательская активность"', '"Выросла"', "not one of"),
        parquet=ParquetEdit(
            (
                'market_file.parquet, column "Покупательская активность"',
                'row 1 has "Выросла"',
                "not one of",
            ),
            """select * replace (case when id = 215348 then 'Выросла'
            else "Покупательская активность" end as "Покупательская активность")
            from delivered""",
        ),
    ),
    BadInput(
        "customer_missing_a_period_row",
        "market_money.csv",
        _without_line(3),
        (
            'market_money.csv, column "Период"',
            "customer 215348",
            "no row for period «текущий_месяц»",
        ),
        parquet=ParquetEdit(
            (
                'market_money.parquet, column "Период"',
                "customer 215348 (market_file.parquet row 1)",
                "no row for period «текущий_месяц»",
            ),
            """select * from delivered
            where not (id = 215348 and "Период" = 'текущий_месяц')""",
        ),
    ),
    BadInput(
        "customer_not_in_market_file",
        "money.csv",
        _with_extra_line("999999;1,00"),
        ('money.csv, column "id"', "customer 999999", "not in market_file.csv"),
        parquet=ParquetEdit(
            (
                'money.parquet, column "id"',
                "customer 999999 (row 1301)",
                "not in market_file.parquet",
            ),
            "select * from delivered union all select 999999, 1.0",
        ),
    ),
    BadInput(
        "header_only",
        "market_time.csv",
        None,
        ("market_time.csv", "no data rows"),
        content="id,Период,минут\r\n".encode(),
        parquet=ParquetEdit(
            ("market_time.parquet", "no data rows"), "select * from delivered limit 0"
        ),
    ),
    BadInput(
        "zero_bytes",
        "money.csv",
        None,
        ("money.csv", "empty (0 bytes)"),
        parquet=ParquetEdit(("money.parquet", "empty (0 bytes)")),
    ),
    BadInput(
        "not_utf8",
        "money.csv",
        None,
        ("money.csv", "not UTF-8"),
        content="id;Прибыль\r\n215348;0,98\r\n".encode("cp1251"),
        # a file that is not Parquet at all, under the Parquet name
        parquet=ParquetEdit(
            ("money.parquet", "not a readable Parquet file"),
            content="id;Прибыль\r\n215348;0,98\r\n".encode("cp1251"),
        ),
    ),
)


@dataclass(frozen=True)
class BadParquet:
    """One broken Parquet delivery: the file and how it is broken."""

    name: str
    file: str
    edit: ParquetEdit

    @property
    def expected(self) -> tuple[str, ...]:
        return self.edit.expected

    def apply(self, delivery: Path) -> None:
        self.edit.apply(delivery / self.file)


# the CSV cases that make sense for Parquet, then what only Parquet can get wrong
BAD_PARQUET_INPUTS = tuple(
    BadParquet(b.name, b.file.removesuffix(".csv") + ".parquet", b.parquet)
    for b in BAD_INPUTS
    if b.parquet is not None
) + (
    BadParquet(
        "renamed_column",
        "money.parquet",
        ParquetEdit(
            (
                'money.parquet, column "Прибыль": missing from the schema',
                'money.parquet, column "Прибыль, руб": not expected in the schema',
            ),
            'select id, "Прибыль" as "Прибыль, руб" from delivered',
        ),
    ),
    BadParquet(
        "columns_out_of_order",
        "market_time.parquet",
        ParquetEdit(
            ("market_time.parquet: columns are not in the expected order",),
            'select "Период", id, "минут" from delivered',
        ),
    ),
    BadParquet(
        "id_as_text",
        "money.parquet",
        ParquetEdit(
            ('money.parquet, column "id": has type VARCHAR; expected INTEGER',),
            "select * replace (cast(id as varchar) as id) from delivered",
        ),
    ),
    BadParquet(
        "null_value",
        "market_file.parquet",
        ParquetEdit(
            ('market_file.parquet, column "Тип сервиса": row 1 has "", empty',),
            """select * replace (case when id = 215348 then null else "Тип сервиса" end
            as "Тип сервиса") from delivered""",
        ),
    ),
)
