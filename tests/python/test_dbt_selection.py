"""dbt itself orders the build: in a fresh copy of the project, plain `dbt build -s
+customer_features` (no folder made first, no profile variables) builds the seeds it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import copy_project, explain

pytestmark = pytest.mark.slow  # runs dbt build


def test_selecting_a_mart_with_its_parents_builds_the_seeds_first(tmp_path):
    root = copy_project(tmp_path / "clone")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ONE_CLICK_"))}
    env["DO_NOT_TRACK"] = "1"
    dbt = str(Path(sys.executable).parent / "dbt")
    result = subprocess.run(
        [dbt, "build", "-s", "+customer_features"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, explain(result)
    database = root / "warehouse" / "candidate" / "one_click.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        built = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        assert con.execute("select count(*) from customers.customer_features").fetchone() == (1297,)
    assert {"raw.market_file", "raw.money", "customers.customer_features"} <= built
    assert not any(name.startswith("ml.") for name in built), "only what the mart needs"
