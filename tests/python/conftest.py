"""Shared fixtures for the Python tests; the helpers they build on live in deliveries.py and
helpers.py."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from deliveries import BAD_INPUTS, BAD_PARQUET_INPUTS, DELIVERED_FILES, PROJECT_DIR, to_parquet
from helpers import (
    Refreshed,
    build_once,
    copy_project,
    explain,
    one_draw_per_family,
    run_refresh,
    synthetic_customers,
)
from threadpoolctl import threadpool_limits


@pytest.fixture(scope="session", autouse=True)
def _one_native_thread():
    """One thread for the native pools (OpenMP, BLAS) in each test process, as the package limits
    its own heavy parts: with two xdist workers on two cores, pools of spinning threads
    oversubscribe the cores and a gradient-boosting fit takes twenty times as long."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A writable copy of the delivered seed files."""
    target = tmp_path / "seeds"
    target.mkdir()
    for name in DELIVERED_FILES:
        shutil.copyfile(PROJECT_DIR / "seeds" / name, target / name)
    return target


@pytest.fixture(scope="session")
def _delivered_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("delivered_parquet")
    for name in DELIVERED_FILES:
        shutil.copyfile(PROJECT_DIR / "seeds" / name, target / name)
        to_parquet(target, Path(name).stem)
    return target


@pytest.fixture
def parquet_dir(tmp_path: Path, _delivered_parquet: Path) -> Path:
    """A writable delivery of the seeds as Parquet files (<table>.parquet)."""
    target = tmp_path / "parquet"
    shutil.copytree(_delivered_parquet, target)
    return target


# The longest files, in this order, before the rest (`make test` runs pytest-xdist with
# --dist loadfile --no-loadscope-reorder): started first, they end with the short ones instead of
# running alone at the end on one of the two workers. Only the run time depends on this list.
LONGEST_FIRST = (
    "test_learning_e2e.py",
    "test_monthly.py",
    "test_refresh.py",
    "test_ml_honest_scores.py",
    "test_monthly_gate.py",
    "test_delivery_files.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file's tests stay in their order


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that takes `bad_input` runs once per broken delivery (`bad_parquet`: once
    per broken Parquet delivery)."""
    if "bad_input" in metafunc.fixturenames:
        metafunc.parametrize("bad_input", BAD_INPUTS, ids=[b.name for b in BAD_INPUTS])
    if "bad_parquet" in metafunc.fixturenames:
        ids = [b.name for b in BAD_PARQUET_INPUTS]
        metafunc.parametrize("bad_parquet", BAD_PARQUET_INPUTS, ids=ids)


# ---------------------------------------------------------------------------------------------
# One refresh of the embedded delivery, shared by the test files that need one


@pytest.fixture(scope="session")
def seeds_refresh(tmp_path_factory: pytest.TempPathFactory) -> Refreshed:
    """A copy of the project with one good refresh of the embedded delivery (the seeds)
    published, built once per test session (the slow part: a full dbt build, both reports, the
    docs). Read it, or change a copy_tree of its root."""

    def build(directory: Path) -> None:
        result = run_refresh(copy_project(directory / "project"))
        assert result.returncode == 0, explain(result)
        (directory / "refresh.stdout").write_text(result.stdout, encoding="utf-8")

    built = build_once(tmp_path_factory, "seeds_refresh", build)
    return Refreshed(built / "project", (built / "refresh.stdout").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Small synthetic customer frames shaped like customers.customer_features (one_click.ml)


@pytest.fixture
def customers():
    """120 synthetic customers with a learnable label."""
    return synthetic_customers()


@pytest.fixture
def quick_search(monkeypatch):
    """Make every candidate's random search try one setting, so a nested CV takes a second."""
    one_draw_per_family(monkeypatch)
