"""Pre-flight validation of the delivered files (one_click.validate), on small edited copies."""

from __future__ import annotations

import time
from pathlib import Path

import jinja2
import pytest
import yaml
from conftest import PROJECT_DIR, BadInput, read_rows, write_rows

from one_click import validate
from one_click.validate import main, validate_seeds


def _errors(seeds: Path) -> str:
    return "\n".join(str(p) for p in validate_seeds(seeds).errors)


def _edit(path: Path, edit) -> None:
    rows = edit(read_rows(path))
    path.unlink()
    write_rows(path, rows)


def test_delivered_files_pass_without_warnings():
    started = time.monotonic()
    report = validate_seeds(PROJECT_DIR / "seeds")
    assert report.ok, report.format()
    assert report.warnings == []
    assert time.monotonic() - started < 2


def test_bad_input_is_an_error_naming_file_column_and_problem(seeds_dir, bad_input: BadInput):
    bad_input.apply(seeds_dir)
    report = validate_seeds(seeds_dir)
    assert not report.ok
    errors = _errors(seeds_dir)
    for fragment in bad_input.expected:
        assert fragment in errors
    # the other, untouched files raise nothing of their own
    assert all(p.file == bad_input.file for p in report.errors), errors


def test_unknown_category_is_a_warning_not_an_error(seeds_dir):
    _edit(
        seeds_dir / "market_file.csv",
        lambda rows: [rows[0], rows[1].replace("Товары для детей", "Книги"), *rows[2:]],
    )
    report = validate_seeds(seeds_dir)
    assert report.ok, report.format()
    [warning] = report.warnings
    assert str(warning) == (
        'market_file.csv, column "Популярная_категория": line 2 has "Книги", a category not seen '
        "before (the churn model scores it as an unseen category)"
    )


def test_known_misspellings_pass_and_both_spellings_of_a_period_count_as_one(seeds_dir):
    # market_money.csv with the misspelt previous-month label the shop uses in market_time.csv,
    # market_time.csv with the correct spelling: both mean previous_month
    _edit(
        seeds_dir / "market_money.csv",
        lambda rows: [r.replace(",предыдущий_", ",предыдцщий_") for r in rows],
    )
    _edit(
        seeds_dir / "market_time.csv",
        lambda rows: [r.replace(",предыдцщий_", ",предыдущий_") for r in rows],
    )
    assert validate_seeds(seeds_dir).ok
    # the same customer and period under both spellings is a duplicate
    _edit(
        seeds_dir / "market_time.csv", lambda rows: [*rows[:-1], "215348,предыдцщий_месяц,13", ""]
    )
    assert "customer 215348 has 2 rows for period previous_month" in _errors(seeds_dir)


def test_many_problems_are_all_reported_grouped_and_capped(seeds_dir):
    with_decimals = sum("," in row for row in read_rows(seeds_dir / "money.csv")[1:])
    _edit(seeds_dir / "money.csv", lambda rows: [r.replace(",", ".") for r in rows])
    _edit(
        seeds_dir / "market_time.csv",
        lambda rows: [rows[0], *(r.replace(",1", ",-1") for r in rows[1:])],
    )
    report = validate_seeds(seeds_dir)
    errors = [str(p) for p in report.errors]
    # one message per file, column and kind, with the count and the first lines
    [decimal] = [e for e in errors if e.startswith("money.csv")]
    assert decimal.startswith(
        'money.csv, column "Прибыль": wrong decimal mark: a decimal point where this file uses a '
        f'decimal comma ("0,98"); {with_decimals} lines: line 2 "0.98", line 3 "4.16"'
    )
    assert decimal.endswith(f"and {with_decimals - 5} more")
    assert any(e.startswith('market_time.csv, column "минут": negative') for e in errors)
    formatted = report.format(limit=1)
    assert "... and 1 more errors" in formatted
    assert len(formatted.splitlines()) == 2


def test_every_file_is_checked_not_just_the_first_bad_one(seeds_dir):
    (seeds_dir / "money.csv").unlink()
    (seeds_dir / "money.csv").write_bytes(b"")
    (seeds_dir / "market_time.csv").unlink()
    report = validate_seeds(seeds_dir)
    files = {p.file for p in report.errors}
    assert files == {"money.csv", "market_time.csv"}
    assert "market_time.csv: file not found" in _errors(seeds_dir)


def test_byte_order_mark_and_blank_last_line_are_accepted(seeds_dir):
    path = seeds_dir / "money.csv"
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(b"\xef\xbb\xbf" + data + b"\r\n")
    assert validate_seeds(seeds_dir).ok


def test_header_problems_are_named_per_column(seeds_dir):
    _edit(
        seeds_dir / "money.csv",
        lambda rows: ["id;Прибыль;Комментарий", *(r + ";" if r else r for r in rows[1:])],
    )
    assert 'money.csv, column "Комментарий": not expected in the header' in _errors(seeds_dir)
    _edit(seeds_dir / "money.csv", lambda rows: ["Прибыль;id", *rows[1:]])
    assert "money.csv: columns are not in the expected order" in _errors(seeds_dir)


def test_wrong_number_of_fields_names_the_line(seeds_dir):
    # an unquoted decimal comma in a comma-separated file splits the value in two
    _edit(
        seeds_dir / "market_money.csv",
        lambda rows: [rows[0], rows[1].replace("0.0", "0,0"), *rows[2:]],
    )
    errors = _errors(seeds_dir)
    assert "market_money.csv: line 2 has 4 fields instead of 3" in errors
    assert "decimals with a decimal point" in errors


def test_command_line_exit_code(seeds_dir, capsys):
    assert main([str(seeds_dir)]) == 0
    _edit(seeds_dir / "money.csv", lambda rows: [rows[0], "215348;x", *rows[2:]])
    assert main([str(seeds_dir)]) == 1
    assert 'money.csv, column "Прибыль": line 2 has "x"' in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# The declared values must match the SQL that maps them


class _Returned(Exception):
    pass


def _macro(name: str):
    """The value a macro in macros/shop_vocabulary.sql returns, rendered with plain jinja2."""

    def _return(value):
        raise _Returned(value)

    environment = jinja2.Environment(extensions=["jinja2.ext.do"])
    environment.globals["return"] = _return
    source = (PROJECT_DIR / "macros" / "shop_vocabulary.sql").read_text(encoding="utf-8")
    with pytest.raises(_Returned) as returned:
        getattr(environment.from_string(source).module, name)()
    return returned.value.args[0]


def test_period_labels_match_the_sql():
    names = _macro("shop_period_names")
    corrections = _macro("shop_value_corrections").get("Период", {})
    for label, period in validate.PERIOD_LABELS.items():
        assert names[corrections.get(label, label)] == period, label
    assert set(names) <= set(validate.PERIOD_LABELS)
    variables = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))[
        "vars"
    ]
    assert list(validate.REVENUE_PERIODS) == variables["revenue_periods"]
    assert list(validate.SITE_TIME_PERIODS) == variables["site_time_periods"]


def test_corrected_values_are_accepted_in_both_spellings():
    columns = {c.name: c for schema in validate.SCHEMAS for c in schema.columns}
    for column, mapping in _macro("shop_value_corrections").items():
        accepted = columns[column].allowed or columns[column].known or validate.PERIOD_LABELS
        for misspelt, correct in mapping.items():
            assert {misspelt, correct} <= set(accepted), (column, misspelt)
