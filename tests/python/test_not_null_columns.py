"""The generic test not_null_columns (macros/tests/not_null_columns.sql): one row per column that
holds a null, with its count; and the refresh's explanation of its failure names the columns."""

from __future__ import annotations

import json
import re

import duckdb
import jinja2
import pytest
from helpers import PROJECT_DIR

from one_click import dbt_failures

MACRO = PROJECT_DIR / "macros" / "tests" / "not_null_columns.sql"


def compiled(model: str, columns: list[str]) -> str:
    """The test's SQL as dbt compiles it: the body of its `{% test %}` block, rendered."""
    text = MACRO.read_text(encoding="utf-8")
    body = re.search(r"{%\s*test not_null_columns\(.*?\)\s*%}(.*){%\s*endtest\s*%}", text, re.S)
    assert body, f"{MACRO} holds no test block"
    return jinja2.Template(body.group(1)).render(model=model, columns=columns)


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "one_click.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table contact_list as select * from (values"
            " (1, 'a', 0.5), (2, null, 0.25), (3, null, null), (4, 'b', 0.75))"
            " as t(customer_id, action_code, decline_probability)"
        )
    return path


def test_each_column_with_nulls_fails_once_with_its_count(database):
    sql = compiled("contact_list", ["customer_id", "action_code", "decline_probability"])
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(f"select * from ({sql}) order by failing_column").fetchall()
    assert rows == [("action_code", 2), ("decline_probability", 1)]


def test_columns_without_nulls_pass(database):
    sql = compiled("contact_list", ["customer_id"])
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(sql).fetchall() == []


def test_the_refresh_names_the_columns_that_hold_nulls(tmp_path, database):
    sql = compiled("contact_list", ["customer_id", "action_code", "decline_probability"])
    test_id = "test.one_click.not_null_columns_contact_list_abc"
    (tmp_path / "run_results.json").write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": test_id, "status": "fail", "failures": 2, "compiled_code": sql}
                ]
            }
        )
    )
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {
                "nodes": {
                    test_id: {
                        "resource_type": "test",
                        "attached_node": "model.one_click.contact_list",
                        "test_metadata": {"name": dbt_failures.NOT_NULL_COLUMNS},
                    },
                    "model.one_click.contact_list": {"resource_type": "model", "columns": {}},
                },
                "parent_map": {test_id: ["model.one_click.contact_list"]},
            }
        )
    )
    [line] = dbt_failures.describe_failures(tmp_path, database)
    assert line == (
        "data test not_null_columns on contact_list failed: nulls in column action_code"
        " (2 rows), column decline_probability (1 row)"
    )
