"""Helpers shared by the Python tests (not a test module): a copy of the project to run the
refresh in, and a reader of the report's HTML."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
IGNORED = {".git", ".venv", "target", "logs", "warehouse", "__pycache__", ".pytest_cache"}


# ---------------------------------------------------------------------------------------------
# A copy of the project and the refresh run in it


def project_files() -> list[str]:
    """The files git tracks (as they are in the working tree); never the warehouse."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached"],
            cwd=PROJECT_DIR,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        return [
            str(p.relative_to(PROJECT_DIR))
            for p in PROJECT_DIR.rglob("*")
            if p.is_file() and not IGNORED & set(p.relative_to(PROJECT_DIR).parts)
        ]


def copy_project(target: Path) -> Path:
    for name in project_files():
        source = PROJECT_DIR / name
        if not source.is_file() or IGNORED & set(Path(name).parts):
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target / name)
        shutil.copymode(source, target / name)
        os.chmod(target / name, os.stat(target / name).st_mode | 0o200)
    return target


def child_env(root: Path) -> dict[str, str]:
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_PROFILES_DIR": str(root)}
    env["ONE_CLICK_HOME"] = str(root)
    for name in ("ONE_CLICK_WAREHOUSE", "PYTHONPATH"):
        env.pop(name, None)
    return env


def run_refresh(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "one_click.refresh", *args],
        cwd=root,
        env=child_env(root),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def with_vars(root: Path, **values: object) -> Path:
    """Set these vars in the dbt_project.yml of a copy of the project (each must be there once, as
    a top-level var: `  name: value`); returns root."""
    path = root / "dbt_project.yml"
    text = path.read_text(encoding="utf-8")
    for name, value in values.items():
        text, found = re.subn(rf"(?m)^(  {name}: ).*$", rf"\g<1>{value}", text)
        assert found == 1, f"var {name} is not set once in {path}"
    path.write_text(text, encoding="utf-8")
    return root


def one_draw_per_family(patch: pytest.MonkeyPatch) -> None:
    """Make every candidate's random search try one setting (while `patch` holds), so a nested
    CV on a hundred customers takes a second."""
    import dataclasses

    from one_click.ml import candidates

    for family, candidate in list(candidates.CANDIDATES.items()):
        patch.setitem(candidates.CANDIDATES, family, dataclasses.replace(candidate, n_iter=1))


def copy_tree(source: Path, target: Path) -> Path:
    """A copy of a project (or any directory) that a test may change: links stay links (the
    published warehouse's targets are relative, so the copy's links point into the copy)."""
    shutil.copytree(source, target, symlinks=True)
    return target


@dataclass(frozen=True)
class Refreshed:
    """A copy of the project after a refresh."""

    root: Path  # the project; what was published is in root / "warehouse"
    stdout: str  # what the refresh printed


def build_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The directory `build(directory)` filled, built once per test session and shared by every
    test process; tests read it, or change a copy_tree of it.

    Under pytest-xdist the workers share the parent of their base temp dirs: the first worker to
    ask builds there while it holds a lock, the others wait for it and reuse what it built (the
    pattern pytest-xdist documents for session fixtures). A build that failed fails every test
    that asks for it, with its message, and is not tried again."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        target = tmp_path_factory.mktemp(name)
        build(target)
        return target
    shared = tmp_path_factory.getbasetemp().parent
    target, done, failed = shared / name, shared / f"{name}.done", shared / f"{name}.failed"
    with open(shared / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failed.exists():
            pytest.fail(f"the shared {name} failed to build:\n{failed.read_text()}")
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)  # left by a worker killed half way
            target.mkdir()
            try:
                build(target)
            except BaseException as error:
                failed.write_text(f"{type(error).__name__}: {error}")
                raise
            done.touch()
    return target


def explain(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(database: Path, sql: str):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


# ---------------------------------------------------------------------------------------------
# The report's HTML


class Page(HTMLParser):
    """Text of every element with an id and its attributes, the h2 headings, every img src, every
    table row (its td cells; also by the id of its table) and every piece of text shown.

    Runs of ASCII whitespace collapse to one space; other spaces stay as they are, so the
    no-break space babel groups Russian thousands with (`1 297`) can be compared."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.attributes: dict[str, dict[str, str]] = {}
        self.headings: list[str] = []
        self.images: list[str] = []
        self.rows: list[list[str]] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.texts: list[str] = []
        self._open: list[tuple[str, str | None, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("id"):
            self.attributes[attributes["id"]] = attributes
        if tag == "img":
            self.images.append(attributes.get("src") or "")
            return
        if tag == "tr":
            row: list[str] = []
            self.rows.append(row)
            table = next((i for t, i, _ in reversed(self._open) if t == "table"), None)
            if table:
                self.tables.setdefault(table, []).append(row)
        self._open.append((tag, attributes.get("id"), []))

    def handle_endtag(self, tag):
        while self._open:
            open_tag, element_id, parts = self._open.pop()
            text = _collapse("".join(parts))
            if element_id:
                self.by_id[element_id] = text
            if open_tag == "h2":
                self.headings.append(text)
            if open_tag == "td" and self.rows:
                self.rows[-1].append(text)
            if self._open:
                self._open[-1][2].extend(parts)
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)
        if not any(tag in ("style", "script") for tag, _, _ in self._open) and data.strip():
            self.texts.append(_collapse(data))


def _collapse(text: str) -> str:
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip(" \t\n\r\f\v")


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


# ---------------------------------------------------------------------------------------------
# Small synthetic customer frames shaped like customers.customer_features (one_click.ml)


def synthetic_customers(n: int = 120, seed: int = 0, signal: bool = True):
    """A customer_features-like frame; with signal, few pages and much promo mean decline."""
    import numpy as np
    import pandas as pd

    from one_click.customers import derive

    rng = np.random.default_rng(seed)
    pages = rng.integers(1, 20, n)
    promo = rng.uniform(0, 1, n).round(2)
    score = (10 - pages) / 5 + 3 * (promo - 0.5) + rng.normal(0, 0.5, n)
    declined = score > 0 if signal else rng.uniform(size=n) < 0.4
    revenue = rng.uniform(3000, 6000, (n, 3)).round(1)
    minutes = rng.integers(5, 23, (n, 2))
    # the derived columns as customer_features computes them (var derived_features)
    return derive(
        pd.DataFrame(
            {
                "customer_id": np.arange(215000, 215000 + n, dtype="int32"),
                "activity_declined": declined,
                "service_tier": rng.choice(["премиум", "стандарт"], n),
                "allow_offers": rng.uniform(size=n) < 0.7,
                "favourite_category": rng.choice(
                    ["Товары для детей", "Кухонная посуда", "Домашний текстиль"], n
                ),
                "marketing_contacts_6m_avg": rng.uniform(1, 6, n).round(1),
                "marketing_contacts_current_month": rng.integers(1, 6, n).astype("int32"),
                "tenure_days": rng.integers(100, 1000, n).astype("int32"),
                "promo_purchase_share": promo,
                "categories_per_visit": rng.integers(1, 6, n).astype("int32"),
                "unpaid_items_quarter": rng.integers(0, 10, n).astype("int32"),
                "service_errors": rng.integers(0, 9, n).astype("int32"),
                "pages_per_visit": pages.astype("int32"),
                "revenue_month_before_previous": revenue[:, 0],
                "revenue_previous_month": revenue[:, 1],
                "revenue_current_month": revenue[:, 2],
                "has_imputed_revenue": np.zeros(n, dtype=bool),
                "minutes_previous_month": minutes[:, 0].astype("int32"),
                "minutes_current_month": minutes[:, 1].astype("int32"),
                "revenue_change_ratio": revenue[:, 2] / revenue[:, 1],
                "revenue_3m_total": revenue.sum(axis=1),
                "minutes_change": (minutes[:, 1] - minutes[:, 0]).astype("int32"),
                "minutes_2m_total": minutes.sum(axis=1).astype("int32"),
                "profit": rng.uniform(0, 7, n).round(2),
            }
        )
    )
