"""Settings reach the model by one route: dbt renders the vars into the Python models' meta, the
models pass them to one_click.ml as arguments. So `dbt build --vars` changes what the package
does, and the package itself reads no dbt_project.yml."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import PROJECT_DIR, child_env, explain

from one_click.ml.features import ID_COLUMN, encode_target, sort_customers
from one_click.ml.selection import OUTER_FOLD, outer_splits
from one_click.project import setting

PROJECT_SEED = int(setting("random_seed"))
OTHER_SEED = PROJECT_SEED + 7
CHEAP_SEARCH = {"model_sample_size": 300, "workers": 1}
READERS = re.compile(r"\b(setting|project_vars|project_config|risk_bands)\(|RANDOM_SEED")


def _python_files(*folders: str):
    for folder in folders:
        yield from sorted((PROJECT_DIR / folder).rglob("*.py"))


def test_the_model_code_reads_no_project_setting():
    """one_click.ml and the dbt Python models get every setting as an argument."""
    readers = [
        f"{path.relative_to(PROJECT_DIR)}:{number}: {line.strip()}"
        for path in _python_files("one_click/ml", "python_models")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if READERS.search(line)
    ]
    assert readers == []


def test_the_model_package_imports_without_a_project(tmp_path):
    """Nothing in one_click.ml reads dbt_project.yml when it is imported."""
    code = "import pkgutil, importlib, one_click.ml as ml\n" + (
        "[importlib.import_module(f'one_click.ml.{m.name}') for m in "
        "pkgutil.iter_modules(ml.__path__)]"
    )
    env = {**os.environ, "ONE_CLICK_HOME": str(tmp_path), "PYTHONPATH": str(PROJECT_DIR)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_boolean_setting_is_parsed_in_one_place():
    copies = [
        str(path.relative_to(PROJECT_DIR))
        for path in _python_files("python_models", "one_click")
        if '.lower() == "true"' in path.read_text(encoding="utf-8")
    ]
    assert copies == []


def _folds(database: Path):
    """(customer_id -> outer fold of one family in candidate_search, the model sample)."""
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "select customer_id, fold from ml.candidate_search where evaluation = ? and"
            " model_family = (select min(model_family) from ml.candidate_search)",
            [OUTER_FOLD],
        ).fetchall()
        labels = con.execute(f"select {ID_COLUMN}, activity_declined from ml.model_sample").df()
    return dict(rows), labels


@pytest.mark.slow
def test_dbt_build_vars_random_seed_changes_the_folds_of_the_search(tmp_path):
    """`dbt build -s +candidate_search --vars '{random_seed: ...}'` draws the folds with that
    seed: each customer's outer fold is the one outer_splits gives at that seed, not at the
    project's."""
    database = tmp_path / "one_click.duckdb"
    env = {**child_env(PROJECT_DIR), "ONE_CLICK_WAREHOUSE": str(database)}
    dbt = str(Path(sys.executable).parent / "dbt")
    command = [dbt, "build", "-s", "+candidate_search"]
    # a model sample of 300 customers and one worker: the search's folds are what is read
    command += ["--vars", json.dumps({"random_seed": OTHER_SEED, **CHEAP_SEARCH})]
    command += ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, explain(result)
    folds, labels = _folds(database)
    customers = sort_customers(labels)
    ids, y = customers[ID_COLUMN].to_numpy(), encode_target(customers)

    def expected(seed: int) -> dict[int, int]:
        return {int(ids[i]): fold for fold, _, test in outer_splits(y, seed) for i in test}

    assert folds == expected(OTHER_SEED)
    assert folds != expected(PROJECT_SEED)
