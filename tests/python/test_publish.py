"""one_click.publish: the published set switches whole, wherever a kill -9 hits the switch.

Fake sets: every entry holds one small file carrying its build tag ("model 3" in
model/weights.txt). The kill tests run a publish or rollback in a child process
(publish_child.py) that SIGKILLs itself before its k-th filesystem operation, for every k; each
killed warehouse is a copy of one start warehouse (copied links and all: the relative link
targets are what make the copies work).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from one_click import publish as pub
from one_click.publish import (
    NothingToRollBack,
    PublishError,
    current_release,
    previous_release,
    publish,
    rollback,
)

CHILD = Path(__file__).with_name("publish_child.py")
TAG_FILES = {  # the file each published name's tag is read from
    "one_click.duckdb": "one_click.duckdb",
    "model": "model/weights.txt",
    "report.html": "report.html",
    "report.en.html": "report.en.html",
    "technical.html": "technical.html",
    "technical.en.html": "technical.en.html",
    "contact_list.csv": "contact_list.csv",
    "contact_list.en.csv": "contact_list.en.csv",
    "docs": "docs/index.html",
    "history": "history/month=2026-10/scores.parquet",
    "release.json": "release.json",
    "report.de.html": "report.de.html",  # a name added later (test_a_new_name_needs_only_the_tuple)
}
REFRESH_FILES = {".refresh.lock", ".dbt-target"}  # refresh.py's: publish never touches them

Pair = tuple[str | None, str | None]  # (published tag, previous tag)


# ---------------------------------------------------------------------------------------------
# Fake sets and warehouses


def write_set(root: Path, tag: str, names: tuple[str, ...] | None = None) -> Path:
    for name in pub.PUBLISHED if names is None else names:
        path = root / TAG_FILES[name]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{name} {tag}")
    return root


def build(warehouse: Path, tag: str) -> Path:
    """A build in the place refresh.py builds in, emptied first as refresh.py does."""
    shutil.rmtree(warehouse / ".build", ignore_errors=True)
    return write_set(warehouse / ".build", tag)


def new_warehouse(path: Path, *published: str) -> Path:
    path.mkdir()
    (path / ".refresh.lock").touch()
    (path / ".dbt-target").mkdir()
    for tag in published:
        publish(build(path, tag), path)
    return path


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under root, links not followed: what 'nothing changed' compares."""
    entries = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(directory, name)
            if path.is_symlink():
                entries[str(path.relative_to(root))] = "-> " + os.readlink(path)
            else:
                entries[str(path.relative_to(root))] = "dir" if path.is_dir() else path.read_text()
    return entries


# ---------------------------------------------------------------------------------------------
# The invariant checker


def set_at(root: Path) -> tuple[str | None, list[str]]:
    """The one tag of the set the names under root show (None: none) and the entries it lacks.

    AssertionError if the entries carry different tags.
    """
    tags = {}
    for name in pub.PUBLISHED:
        try:
            tags[name] = (root / TAG_FILES[name]).read_text().split()[-1]
        except (FileNotFoundError, NotADirectoryError):
            tags[name] = None
    found = set(tags.values()) - {None}
    assert len(found) <= 1, f"mixed set at {root}: {tags}"
    if not found:
        return None, []
    tag = found.pop()
    return tag, [n for n, t in tags.items() if t is None]


def check(warehouse: Path, allowed: set[Pair]) -> Pair:
    """The (published, previous) tags, asserted complete, unmixed and one of `allowed`, and
    those of the releases the state names."""
    current, gaps = set_at(warehouse)
    previous, previous_gaps = set_at(warehouse / "previous")
    assert not previous_gaps, f"{warehouse}/previous lacks {previous_gaps}"
    pair = (current, previous)
    assert not gaps, f"{warehouse}: {current} set lacks {gaps}"
    assert pair in allowed, f"{warehouse}: published, previous = {pair}, not one of {allowed}"
    for release, tag in zip((current_release, previous_release), pair, strict=True):
        named = release(warehouse)
        assert (named and set_at(named)[0]) == tag, f"the state names {named}, not {tag}"
    return pair


def assert_clean(warehouse: Path) -> None:
    """After a successful run: the two releases in use, one state, the links and nothing else."""
    in_use = {r.name for r in (current_release(warehouse), previous_release(warehouse)) if r}
    assert set(os.listdir(warehouse / pub.RELEASES)) == in_use
    assert len(os.listdir(warehouse / pub.STATES)) == 1
    links = {*pub.PUBLISHED, pub.PREVIOUS, pub.STATE}
    assert set(os.listdir(warehouse)) == links | {pub.RELEASES, pub.STATES} | REFRESH_FILES
    for name in links:
        assert not os.path.isabs(os.readlink(warehouse / name))


def rolled_back(warehouse: Path, pair: Pair) -> Pair:
    """Roll back and check the swap; with no previous set, check the refusal changes nothing."""
    current, previous = pair
    if previous is None:
        before = snapshot(warehouse)
        with pytest.raises(NothingToRollBack, match="Nothing was changed"):
            rollback(warehouse)
        assert snapshot(warehouse) == before
        return pair
    rollback(warehouse)
    assert_clean(warehouse)
    return check(warehouse, {(previous, current)})


# ---------------------------------------------------------------------------------------------
# 1. publish


def test_publish_replaces_the_whole_set_and_keeps_the_old_one_as_previous(tmp_path):
    warehouse = new_warehouse(tmp_path / "w")
    assert current_release(warehouse) is None
    release = publish(build(warehouse, "1"), warehouse)
    check(warehouse, {("1", None)})
    assert not (warehouse / "previous").exists()
    assert current_release(warehouse) == release and previous_release(warehouse) is None
    assert_clean(warehouse)
    for tag, replaced in (("2", "1"), ("3", "2")):
        release = publish(build(warehouse, tag), warehouse)
        check(warehouse, {(tag, replaced)})
        assert current_release(warehouse) == release
        assert_clean(warehouse)


def test_a_reader_keeps_reading_the_file_it_has_open(tmp_path):
    warehouse = new_warehouse(tmp_path / "w", "1")
    first = current_release(warehouse)
    with (warehouse / "one_click.duckdb").open() as database:
        publish(build(warehouse, "2"), warehouse)
        publish(build(warehouse, "3"), warehouse)
        assert first is not None and not first.exists()  # deleted, yet still readable
        assert database.read() == "one_click.duckdb 1"
    assert (warehouse / "one_click.duckdb").read_text() == "one_click.duckdb 3"


@pytest.mark.parametrize("lacking", pub.PUBLISHED)
def test_a_build_lacking_an_entry_is_refused_and_nothing_changes(tmp_path, lacking):
    warehouse = new_warehouse(tmp_path / "w", "1", "2")
    incomplete = build(warehouse, "3")
    if (incomplete / lacking).is_dir():
        shutil.rmtree(incomplete / lacking)
    else:
        (incomplete / lacking).unlink()
    before = snapshot(warehouse)
    with pytest.raises(PublishError, match=rf"lacks {lacking} .*Nothing was changed"):
        publish(incomplete, warehouse)
    assert snapshot(warehouse) == before


def test_a_new_published_name_needs_only_the_tuple(tmp_path, monkeypatch):
    warehouse = new_warehouse(tmp_path / "w", "1")
    built_before = write_set(warehouse / ".old-build", "2")
    monkeypatch.setattr(pub, "PUBLISHED", (*pub.PUBLISHED, "report.de.html"))
    with pytest.raises(PublishError, match="lacks report.de.html "):
        publish(built_before, warehouse)
    publish(build(warehouse, "2"), warehouse)
    assert set_at(warehouse) == ("2", [])
    assert (warehouse / "report.de.html").read_text() == "report.de.html 2"


# ---------------------------------------------------------------------------------------------
# 2. rollback


def test_rollback_swaps_and_a_second_rollback_undoes_it(tmp_path):
    warehouse = new_warehouse(tmp_path / "w", "1", "2")
    assert rolled_back(warehouse, ("2", "1")) == ("1", "2")
    assert rolled_back(warehouse, ("1", "2")) == ("2", "1")


@pytest.mark.parametrize("published", ["nothing", "one set"])
def test_rollback_with_nothing_to_roll_back_to_changes_nothing(tmp_path, published):
    warehouse = new_warehouse(tmp_path / "w", *(["1"] if published == "one set" else []))
    rolled_back(warehouse, (None, None))  # asserts the refusal and an unchanged snapshot


@pytest.mark.parametrize("action", ["publish", "rollback"])
def test_a_real_file_where_a_link_belongs_is_refused_and_nothing_changes(tmp_path, action):
    warehouse = new_warehouse(tmp_path / "w", "1", "2")
    (warehouse / "one_click.duckdb").unlink()
    write_set(warehouse, "by-hand", ("one_click.duckdb",))
    if action == "publish":
        build(warehouse, "3")
    before = snapshot(warehouse)
    with pytest.raises(PublishError, match=r"one_click\.duckdb as real files.*Nothing was changed"):
        publish(warehouse / ".build", warehouse) if action == "publish" else rollback(warehouse)
    assert snapshot(warehouse) == before


# ---------------------------------------------------------------------------------------------
# 3, 4. kill -9 before every filesystem operation of a publish or rollback


def run_child(action: str, warehouse: Path, kill_at: int) -> subprocess.CompletedProcess:
    command = [sys.executable, "-I", "-S", str(CHILD), action, str(warehouse), str(kill_at)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _after_kill_both_operations_work(warehouse: Path, pair: Pair) -> None:
    shutil.rmtree(warehouse / ".build", ignore_errors=True)  # as the next refresh does
    current, _ = rolled_back(warehouse, pair)
    publish(build(warehouse, "next"), warehouse)
    check(warehouse, {("next", current)})
    assert_clean(warehouse)
    rolled_back(warehouse, ("next", current))


def _publish_3_over_2(path: Path) -> Path:
    warehouse = new_warehouse(path, "1", "2")
    build(warehouse, "3")
    return warehouse


def _first_publish(path: Path) -> Path:
    warehouse = new_warehouse(path)
    build(warehouse, "1")
    return warehouse


SCENARIOS = {  # start warehouse, action, (published, previous) before and after
    "publish": (_publish_3_over_2, "publish", ("2", "1"), ("3", "2")),
    "first publish": (_first_publish, "publish", (None, None), ("1", None)),
    "rollback": (lambda p: new_warehouse(p, "1", "2"), "rollback", ("2", "1"), ("1", "2")),
}


@pytest.mark.slow
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_kill_at_any_point_leaves_one_whole_set_and_the_next_runs_work(
    tmp_path, monkeypatch, scenario
):
    monkeypatch.setattr(os, "fsync", lambda descriptor: None)  # as in the child: speed only
    make_start, action, before, after = SCENARIOS[scenario]
    start = make_start(tmp_path / "start")
    complete = shutil.copytree(start, tmp_path / "k0", symlinks=True)
    done = run_child(action, complete, 0)
    assert done.returncode == 0, done.stderr
    assert check(complete, {after}) == after
    assert_clean(complete)
    seen = set()
    for kill_at in range(1, int(done.stdout) + 1):
        warehouse = shutil.copytree(start, tmp_path / f"k{kill_at}", symlinks=True)
        killed = run_child(action, warehouse, kill_at)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        try:
            pair = check(warehouse, {before, after})
            seen.add(pair)
            _after_kill_both_operations_work(warehouse, pair)
        except AssertionError as error:
            raise AssertionError(f"killed before operation {kill_at}: {error}") from error
    assert seen == {before, after}, "the kill points span the switch"


# ---------------------------------------------------------------------------------------------
# 5. the checker can fail


def test_the_checker_reports_a_mixed_or_incomplete_set(tmp_path):
    mixed = write_set(tmp_path / "mixed", "2")
    (mixed / "model" / "weights.txt").write_text("model 1")
    with pytest.raises(AssertionError, match="mixed set"):
        check(mixed, {("2", None)})
    (mixed / "model" / "weights.txt").unlink()
    with pytest.raises(AssertionError, match=r"lacks \['model'\]"):
        check(mixed, {("2", None)})
