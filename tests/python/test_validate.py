"""Pre-flight validation of a delivery (one_click.validate), on small edited copies of the seeds,
as CSV, as Parquet, and mixed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from deliveries import (
    DELIVERED_FILES,
    PROJECT_DIR,
    BadInput,
    BadParquet,
    ParquetEdit,
    read_rows,
    to_parquet,
    write_rows,
)
from helpers import explain, run_refresh

from one_click import validate
from one_click.ml.candidates import CALIBRATION_FOLDS
from one_click.ml.selection import HOLDOUT_SIZE, INNER_FOLDS, OUTER_FOLDS
from one_click.project import setting
from one_click.validate import checks, main, reader, shop_schema, validate_delivery, validate_seeds


def _errors(delivery: Path, project: Path | None = None) -> str:
    return "\n".join(str(p) for p in validate_delivery(delivery, project).errors)


def _edit(path: Path, edit) -> None:
    rows = edit(read_rows(path))
    path.unlink()
    write_rows(path, rows)


def _write(path: Path, data: bytes) -> None:
    path.unlink(missing_ok=True)  # the delivered files are read-only; the copy's folder is not
    path.write_bytes(data)


# ---------------------------------------------------------------------------------------------
# Good deliveries


def test_delivered_files_pass_without_warnings():
    report = validate_seeds(PROJECT_DIR / "seeds")
    assert report.ok, report.format()
    assert report.warnings == []


def test_delivered_files_as_parquet_pass_without_warnings(parquet_dir):
    assert sorted(p.name for p in parquet_dir.iterdir()) == sorted(
        f"{Path(name).stem}.parquet" for name in DELIVERED_FILES
    )
    report = validate_delivery(parquet_dir)
    assert report.ok, report.format()
    assert report.warnings == []


def test_a_mixed_delivery_passes(seeds_dir):
    to_parquet(seeds_dir, "market_file")
    to_parquet(seeds_dir, "market_time")
    report = validate_delivery(seeds_dir)
    assert report.ok, report.format()
    assert report.warnings == []


def test_parquet_may_use_any_type_of_the_declared_kind(parquet_dir):
    """A pandas export writes int64 and float32; both hold what the shop's columns hold."""
    columns = shop_schema().files[0].columns
    integer = next(c for c in columns if c.kind == "integer" and c.minimum is not None)
    number = next(c for c in columns if c.kind == "number")
    ParquetEdit(
        (),
        f'select * replace (cast("{integer.name}" as bigint) as "{integer.name}", '
        f'cast("{number.name}" as float) as "{number.name}") from delivered',
    ).apply(parquet_dir / "market_file.parquet")
    report = validate_delivery(parquet_dir)
    assert report.ok, report.format()


# ---------------------------------------------------------------------------------------------
# Broken deliveries: each refused, with the file, the column and the problem named


def test_bad_input_is_an_error_naming_file_column_and_problem(seeds_dir, bad_input: BadInput):
    bad_input.apply(seeds_dir)
    report = validate_seeds(seeds_dir)
    assert not report.ok
    errors = _errors(seeds_dir)
    for fragment in bad_input.expected:
        assert fragment in errors
    # the other, untouched files raise nothing of their own
    assert all(p.file == bad_input.file for p in report.errors), errors


def test_bad_parquet_is_an_error_naming_file_column_and_problem(
    parquet_dir, bad_parquet: BadParquet
):
    bad_parquet.apply(parquet_dir)
    report = validate_delivery(parquet_dir)
    assert not report.ok
    errors = _errors(parquet_dir)
    for fragment in bad_parquet.expected:
        assert fragment in errors, errors
    assert all(p.file == bad_parquet.file for p in report.errors), errors
    assert " line" not in errors  # Parquet has rows, not lines


def test_a_bad_csv_file_beside_parquet_files_names_them(seeds_dir):
    for table in ("market_file", "market_money", "market_time"):
        to_parquet(seeds_dir, table)
    _edit(seeds_dir / "money.csv", lambda rows: [*rows[:-1], "999999;1,00", "215348;0,5", ""])
    errors = _errors(seeds_dir)
    assert 'money.csv, column "id": customer 999999 (line 1302) is not in market_file.parquet' in (
        errors
    )
    assert "customer 215348 appears 2 times (lines 2, 1303)" in errors
    assert {p.file for p in validate_delivery(seeds_dir).errors} == {"money.csv"}


def test_both_formats_of_one_file_is_an_error(seeds_dir):
    to_parquet(seeds_dir, "money")
    shutil.copyfile(PROJECT_DIR / "seeds" / "money.csv", seeds_dir / "money.csv")
    report = validate_delivery(seeds_dir)
    [error] = report.errors
    assert error.file == "money.csv"
    assert "delivered twice" in error.message and "money.parquet" in error.message


def test_a_file_in_neither_format_is_an_error(parquet_dir):
    (parquet_dir / "market_time.parquet").unlink()
    [error] = validate_delivery(parquet_dir).errors
    assert str(error).startswith("market_time.csv: file not found")
    assert "market_time.parquet" in error.message


def test_every_file_is_checked_not_just_the_first_bad_one(seeds_dir):
    _write(seeds_dir / "money.csv", b"")
    (seeds_dir / "market_time.csv").unlink()
    report = validate_seeds(seeds_dir)
    files = {p.file for p in report.errors}
    assert files == {"money.csv", "market_time.csv"}
    assert "market_time.csv: file not found" in _errors(seeds_dir)


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


def test_a_period_of_another_file_is_not_allowed(seeds_dir):
    _edit(
        seeds_dir / "market_time.csv",
        lambda rows: [rows[0], rows[1].replace("текущий_месяц", "препредыдущий_месяц"), *rows[2:]],
    )
    errors = _errors(seeds_dir)
    assert (
        'market_time.csv, column "Период": line 2 has "препредыдущий_месяц", not one of '
        "«предыдущий_месяц», «предыдцщий_месяц», «текущий_месяц»" in errors
    )
    assert "customer 215348 (market_file.csv line 2) has no row for period «текущий_месяц»" in (
        errors
    )


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


# ---------------------------------------------------------------------------------------------
# Line numbers: as an editor shows them, whatever the line ends, blank lines and quotes


@pytest.mark.parametrize("end", [b"\r\n", b"\n", b"\r"], ids=["crlf", "lf", "cr"])
def test_line_numbers_count_blank_lines_and_any_line_end(seeds_dir, end):
    path = seeds_dir / "market_time.csv"
    lines = path.read_bytes().split(b"\r\n")
    lines[4] = lines[4] + b"0.5"  # line 5
    lines[6:6] = [b"", b"   "]  # two blank lines after line 6: line 7 is now line 9
    lines[8] = lines[8].rsplit(b",", 1)[0] + b",-7"  # line 9 (the delivered line 7)
    _write(path, b"\xef\xbb\xbf" + end.join(lines))
    minutes = lines[4].rsplit(b",", 1)[1].decode()
    # the reader skips the empty line 7; the line of spaces is a record of one field to it
    assert [str(p) for p in validate_seeds(seeds_dir).errors] == [
        f'market_time.csv, column "минут": line 5 has "{minutes}", not a whole number',
        "market_time.csv: line 8 has 1 fields instead of 3",
        'market_time.csv, column "минут": line 9 has "-7", negative (must be 0 or more)',
    ]


def test_quoted_values_are_read_as_the_loader_reads_them(seeds_dir):
    path = seeds_dir / "market_file.csv"
    rows = read_rows(path)
    rows[1] = rows[1].replace("Товары для детей", '"Товары для детей"')  # fine
    rows[2] = rows[2].replace("Товары для детей", '"Товары, для ""детей"""')  # one field
    rows[4] = rows[4].replace("Товары для детей", '"Товары для\r\nдетей"')  # lines 5 and 6
    _write(path, "\r\n".join(rows).encode())
    report = validate_seeds(seeds_dir)
    assert report.ok, report.format()
    messages = [str(w) for w in report.warnings]
    assert messages == [
        'market_file.csv, column "Популярная_категория": a category not seen before (the churn '
        'model scores it as an unseen category); 2 lines: line 3 "Товары, для "детей"", '
        'line 6 "Товары для\r\nдетей"'
    ]
    # the row after the two-line row is line 7
    _edit(path, lambda rows: [*rows[:6], rows[6].replace(",", ",,", 1), *rows[7:]])
    assert "market_file.csv: line 7 has 14 fields instead of 13" in _errors(seeds_dir)


def test_a_stray_quote_inside_a_value_is_part_of_it(seeds_dir):
    _edit(
        seeds_dir / "market_file.csv",
        lambda rows: [rows[0], rows[1].replace("Товары для детей", 'Товары для "детей'), *rows[2:]],
    )
    report = validate_seeds(seeds_dir)
    assert report.ok, report.format()
    assert [str(w).split(": ", 1)[1] for w in report.warnings] == [
        'line 2 has "Товары для "детей", a category not seen before (the churn model scores it '
        "as an unseen category)"
    ]


def test_byte_order_mark_and_blank_last_line_are_accepted(seeds_dir):
    path = seeds_dir / "money.csv"
    data = path.read_bytes()
    _write(path, b"\xef\xbb\xbf" + data + b"\r\n")
    assert validate_seeds(seeds_dir).ok


@pytest.mark.parametrize("head", [reader._HEAD, 4096], ids=["in_the_head", "further_on"])
def test_a_byte_that_is_not_utf8_is_named_with_its_line(seeds_dir, monkeypatch, head):
    # the first bytes are checked in Python; the rest as DuckDB reads the file
    monkeypatch.setattr(reader, "_HEAD", head)
    path = seeds_dir / "market_money.csv"
    rows = path.read_bytes().split(b"\r\n")
    rows[3000] = rows[3000].replace("месяц".encode(), "месяц".encode("cp1251"))
    _write(path, b"\r\n".join(rows))
    [error] = validate_seeds(seeds_dir).errors
    assert str(error) == (
        "market_money.csv: not UTF-8 text (byte 0xec on line 3001); the file must be saved as UTF-8"
    )


# ---------------------------------------------------------------------------------------------
# The schema comes from the project's vars


def _project_with(tmp_path: Path, change) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    config = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    change(config["vars"])
    (project / "dbt_project.yml").write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
    )
    return project


def test_the_allowed_values_are_the_project_vars(seeds_dir, tmp_path):
    [tiers_column] = [
        column
        for column, words in setting("shop_files")["market_file"]["vocabulary"].items()
        if words == "service_tiers"
    ]
    tier = next(iter(setting("shop_vocabulary")["service_tiers"]))  # a list or a dict
    _edit(
        seeds_dir / "market_file.csv",
        lambda rows: [rows[0], rows[1].replace(f",{tier},", ",люкс,"), *rows[2:]],
    )
    assert f'column "{tiers_column}": line 2 has "люкс", not one of' in _errors(seeds_dir)

    def add_tier(variables):
        tiers = variables["shop_vocabulary"]["service_tiers"]
        if isinstance(tiers, dict):
            tiers["люкс"] = "luxury"
        else:
            tiers.append("люкс")

    project = _project_with(tmp_path, add_tier)
    assert validate_delivery(seeds_dir, project).ok
    [column] = [c for c in shop_schema(project).files[0].columns if c.name == tiers_column]
    assert "люкс" in column.allowed


def test_every_correction_is_accepted_in_both_spellings():
    vocabulary = setting("shop_vocabulary")
    columns = {}
    for schema in shop_schema().files:
        for column in schema.columns:
            columns.setdefault(column.name, set()).update(column.allowed or column.known or ())
    assert vocabulary["corrections"]
    for column, mapping in vocabulary["corrections"].items():
        for misspelt, correct in mapping.items():
            assert {misspelt, correct} <= columns[column], (column, misspelt)


def test_each_period_file_allows_its_own_periods():
    schema = shop_schema()
    for spec, file in zip(setting("shop_files").values(), schema.files, strict=True):
        if "periods" not in spec:
            assert file.period_column is None
            continue
        periods = setting(spec["periods"])
        assert list(file.periods) == periods
        [column] = [c for c in file.columns if c.name == file.period_column]
        assert {schema.period_of[label] for label in column.allowed} == set(periods)


def test_the_package_keeps_no_copy_of_the_shop_files_or_vocabulary():
    modules = sorted(Path(validate.__file__).parent.glob("*.py"))
    assert len(modules) > 1
    source = "\n".join(m.read_text(encoding="utf-8") for m in modules)
    shop_files = setting("shop_files")
    vocabulary = setting("shop_vocabulary")
    words = {c for spec in shop_files.values() for c in spec["columns"]}
    words |= {*vocabulary["activity"], *vocabulary["consent"], *vocabulary["service_tiers"]}
    words |= {*vocabulary["categories"], *vocabulary["periods"]}
    words |= {
        w for fixes in vocabulary["corrections"].values() for pair in fixes.items() for w in pair
    }
    words -= {"id"}  # too short to search for; the key is read from var shop_files too
    assert [w for w in sorted(words) if w in source] == []


# ---------------------------------------------------------------------------------------------
# The command line


def test_command_line_exit_code(seeds_dir, capsys):
    assert main([str(seeds_dir)]) == 0
    _edit(seeds_dir / "money.csv", lambda rows: [rows[0], "215348;x", *rows[2:]])
    assert main([str(seeds_dir)]) == 1
    assert 'money.csv, column "Прибыль": line 2 has "x"' in capsys.readouterr().out


def test_command_line_checks_the_project_seeds_by_default(capsys):
    assert main([]) == 0
    assert capsys.readouterr().out.strip().endswith("seeds: 0 error(s), 0 warning(s)")


# ---------------------------------------------------------------------------------------------
# A delivery that trains the model needs both classes of the target, enough of each for the folds


def _target() -> tuple[str, dict[str, bool]]:
    spec = setting("shop_files")["market_file"]
    labels = setting("shop_vocabulary")[spec["vocabulary"][spec["target"]]]
    return spec["target"], labels


def _relabel(path: Path, keep: int, label: str, other: str) -> None:
    """Every customer `other`, except the first `keep` rows, which get `label`."""
    column, _ = _target()

    def edit(rows: list[str]) -> list[str]:
        position = rows[0].split(",").index(column)
        out = [rows[0]]
        for number, row in enumerate(rows[1:]):
            if not row:
                out.append(row)
                continue
            fields = row.split(",")
            fields[position] = label if number < keep else other
            out.append(",".join(fields))
        return out

    _edit(path, edit)


def test_one_class_of_the_target_is_refused_when_training_not_when_scoring(seeds_dir, capsys):
    column, labels = _target()
    [kept] = [label for label, flag in labels.items() if not flag]
    [other] = [label for label, flag in labels.items() if flag]
    _relabel(seeds_dir / "market_file.csv", 0, other, kept)
    [error] = validate_delivery(seeds_dir, mode="train").errors
    assert error.file == "market_file.csv" and error.column == column
    assert f"every customer is «{kept}»" in error.message
    assert "make score" in error.message
    assert validate_delivery(seeds_dir, mode="score").ok
    assert validate_delivery(seeds_dir).ok  # scoring is the default of the function
    assert main([str(seeds_dir)]) == 1  # the command line checks what `make build` needs
    assert main([str(seeds_dir), "--score"]) == 0
    assert "make score" in capsys.readouterr().out


def test_too_few_customers_of_a_class_for_the_folds_is_refused_when_training(seeds_dir):
    column, labels = _target()
    [positive] = [label for label, flag in labels.items() if flag]
    [negative] = [label for label, flag in labels.items() if not flag]
    fewest = checks.fewest_per_class()
    # the fold counts are the training's: an outer split of OUTER_FOLDS needs that many at least
    assert fewest >= max(OUTER_FOLDS, INNER_FOLDS)
    _relabel(seeds_dir / "market_file.csv", fewest - 1, positive, negative)
    [error] = validate_delivery(seeds_dir, mode="train").errors
    assert str(error).startswith(
        f'market_file.csv, column "{column}": only {fewest - 1} customers «{positive}»: too few'
    )
    assert f"at least {fewest} customers of each" in error.message and "make score" in error.message
    _relabel(seeds_dir / "market_file.csv", fewest, positive, negative)
    assert validate_delivery(seeds_dir, mode="train").ok


def test_fewest_per_class_lets_every_fold_of_the_training_hold_each_class():
    from sklearn.model_selection import StratifiedKFold, train_test_split

    fewest = checks.fewest_per_class()

    def smallest_training_sets(n: int, folds: int) -> list[int]:
        y = np.array([1] * n + [0] * 100)
        split = StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y)
        return [int(y[train].sum()) for train, _ in split]

    outer = min(smallest_training_sets(fewest, OUTER_FOLDS))
    y = np.array([1] * fewest + [0] * 100)
    train, _ = train_test_split(np.arange(len(y)), test_size=HOLDOUT_SIZE, stratify=y)
    outer = min(outer, int(y[train].sum()))
    assert outer >= INNER_FOLDS
    assert min(smallest_training_sets(outer, INNER_FOLDS)) >= CALIBRATION_FOLDS


def test_a_full_refresh_of_one_class_stops_at_validation_with_no_traceback(seeds_dir, tmp_path):
    _, labels = _target()
    [kept] = [label for label, flag in labels.items() if not flag]
    [other] = [label for label, flag in labels.items() if flag]
    _relabel(seeds_dir / "market_file.csv", 0, other, kept)
    warehouse = ("--warehouse-dir", str(tmp_path))
    result = run_refresh(PROJECT_DIR, "--delivery", str(seeds_dir), *warehouse)
    assert result.returncode != 0
    assert "REFRESH FAILED at step 1 of 6 (validate inputs)" in result.stderr, explain(result)
    assert "make score" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
