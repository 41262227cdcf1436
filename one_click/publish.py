"""Publish a refresh's output as one set that switches in one atomic step; roll it back.

Layout (the names: one_click.layout; every link target is relative, so the warehouse dir can be
moved or copied with its links):

    warehouse/
      releases/<id>/              one complete set: the build dir renamed in, never written again
      states/<n>/current  -> ../../releases/<C>
      states/<n>/previous -> ../../releases/<B>    (absent until a second set is published)
      state               -> states/<n>            THE switch: a new link renamed over the old one
      one_click.duckdb    -> state/current/one_click.duckdb    static: one link per PUBLISHED name
      model               -> state/current/model               and one for previous, created once
      report.html         -> state/current/report.html         and never changed after
      docs                -> state/current/docs
      history             -> state/current/history    the score history (one_click.monthly)
      release.json        -> state/current/release.json
      previous            -> state/previous

publish(build, warehouse) fsyncs the build's files, renames the build dir to releases/<id>, writes
states/<n+1>/ (current = the new release, previous = the release that was current), fsyncs it and
renames a temporary link `state -> states/<n+1>` over `state`. That one rename switches every
published name (and previous/) at once; a kill -9 before it leaves the old set published, after it
the new one. Then collect_garbage() removes every release and state the new state does not name.
rollback(warehouse) is the same flip with current and previous exchanged; run again, it undoes.
What a killed run leaves (a release or state nothing points to, a temporary link) is garbage,
removed at the start and at the end of the next publish or rollback.

Changes to the design handed over, and why:
- The static links are checked (created or repaired) before each flip, not after: created after
  the first flip, a kill between the two would leave a published name missing. A name added to
  PUBLISHED later gets its link at the next publish, dangling only until that publish's flip.
- <n+1> counts from the highest state dir present, not from the current one, so a state dir half
  written by a killed run is never reused (collect_garbage also removes it).
- collect_garbage() without a `state` link deletes no release: nothing then says which is in use.
- rollback() decides whether there is a previous set before it touches anything, so
  NothingToRollBack really means nothing was changed.
- The build must be on the warehouse's filesystem (checked first): otherwise rename would fail
  half way through the publish, or a caller's fallback would copy it non-atomically.

Readers: a reader who has a published file open keeps reading it after a flip and after its
release is deleted (Linux keeps an open inode). A reader needing several files from one set
should resolve current_release() once and read under it: two lookups through the public names
can straddle a flip. Release files are never written after publish (DuckDB resolves the link, so
a reader's WAL, if any, would sit in the release beside the file).

The caller serialises runs (refresh.py holds warehouse/.refresh.lock); this module takes no lock.
"""

from __future__ import annotations

import itertools
import os
import shutil
import time
from pathlib import Path
from typing import NamedTuple

from one_click.layout import PREVIOUS, PUBLISHED

STATE = "state"
STATES = "states"
RELEASES = "releases"
TMP_PREFIX = ".publish-tmp-"


class PublishError(Exception):
    """A publish or rollback was refused; the message says what was, or was not, changed."""


class NothingToRollBack(PublishError):
    """There is no previous set to roll back to."""


class _State(NamedTuple):
    name: str  # the dir under states/
    current: str  # release names under releases/
    previous: str | None


# ---------------------------------------------------------------------------------------------
# Public API


def publish(build: Path, warehouse: Path) -> Path:
    """Make the set in `build` the published one, in one flip; the set it replaces is previous/.

    The build dir is renamed into releases/; the returned path is its new place.
    """
    build, warehouse = Path(build), Path(warehouse)
    _check_build(build, warehouse)
    _check_names(warehouse)
    collect_garbage(warehouse)
    replaced = _read_state(warehouse)
    _fsync_tree(build)
    releases = warehouse / RELEASES
    _mkdir(releases)
    release = releases / _new_id(releases)
    os.rename(build, release)
    _fsync(releases)
    _fsync(build.parent)
    _switch(warehouse, release.name, replaced.current if replaced else None)
    collect_garbage(warehouse)
    return release


def rollback(warehouse: Path) -> None:
    """Publish the previous set again, in one flip; the set it replaces becomes previous/."""
    warehouse = Path(warehouse)
    _check_names(warehouse)
    state = _read_state(warehouse)
    if state is None or state.previous is None:
        raise NothingToRollBack(
            f"nothing to roll back to: {warehouse / PREVIOUS} does not exist (at most one set "
            "has been published here). Nothing was changed."
        )
    collect_garbage(warehouse)
    state = _read_state(warehouse)
    if (
        state is None
        or state.previous is None
        or not (warehouse / RELEASES / state.previous).is_dir()
    ):
        raise PublishError(
            f"cannot roll back: the previous release named by {warehouse / STATE} is missing. "
            "The published set was not changed."
        )
    _switch(warehouse, state.previous, state.current)
    collect_garbage(warehouse)


def current_release(warehouse: Path) -> Path | None:
    """The release the published names point to; None before the first publish."""
    state = _read_state(Path(warehouse))
    return None if state is None else Path(warehouse) / RELEASES / state.current


def previous_release(warehouse: Path) -> Path | None:
    """The release previous/ points to; None until a second set is published."""
    state = _read_state(Path(warehouse))
    if state is None or state.previous is None:
        return None
    return Path(warehouse) / RELEASES / state.previous


def collect_garbage(warehouse: Path) -> None:
    """Delete every release and state the current state does not name, and temporary links.

    Safe at any time between runs: the current and previous releases are never touched, and
    without a `state` link no release is deleted.
    """
    warehouse = Path(warehouse)
    state = _read_state(warehouse)  # raises on a damaged state: then nothing is deleted
    touched = set()
    for name in sorted(os.listdir(warehouse)):
        if name.startswith(TMP_PREFIX):
            _remove(warehouse / name)
            touched.add(warehouse)
    for entry in _entries(warehouse / STATES):
        if state is None or entry.name != state.name:
            _remove(entry)
            touched.add(entry.parent)
    if state is not None:
        keep = {state.current, state.previous}
        for entry in _entries(warehouse / RELEASES):
            if entry.name not in keep:
                _remove(entry)
                touched.add(entry.parent)
    for directory in sorted(touched):
        _fsync(directory)


# ---------------------------------------------------------------------------------------------
# The state and the flip


def _read_state(warehouse: Path) -> _State | None:
    link = warehouse / STATE
    if not os.path.lexists(link):
        return None
    target = os.readlink(link)
    head, _, name = target.partition("/")
    if head != STATES or not (name.isascii() and name.isdigit()):
        raise PublishError(f"{link} -> {target} is not a state link (expected {STATES}/<n>).")
    if not (warehouse / STATES / name).is_dir():
        raise PublishError(f"{link} -> {target}: that state dir is missing.")
    current = _release_of(warehouse / STATES / name / "current")
    if current is None:
        raise PublishError(f"{warehouse / STATES / name} has no current link.")
    return _State(name, current, _release_of(warehouse / STATES / name / "previous"))


def _release_of(link: Path) -> str | None:
    if not os.path.lexists(link):
        return None
    target = os.readlink(link)
    prefix = f"../../{RELEASES}/"
    name = target.removeprefix(prefix)
    if not target.startswith(prefix) or not name or "/" in name:
        raise PublishError(f"{link} -> {target} does not name a release ({prefix}<id>).")
    return name


def _write_state(warehouse: Path, current: str, previous: str | None) -> str:
    """A new, complete and flushed state dir, numbered past every one present."""
    states = warehouse / STATES
    _mkdir(states)
    numbers = [int(p.name) for p in _entries(states) if p.name.isascii() and p.name.isdigit()]
    name = str(max(numbers, default=0) + 1)
    os.mkdir(states / name)
    os.symlink(f"../../{RELEASES}/{current}", states / name / "current")
    if previous is not None:
        os.symlink(f"../../{RELEASES}/{previous}", states / name / "previous")
    _fsync(states / name)
    _fsync(states)
    return name


def _flip(warehouse: Path, state_name: str) -> None:
    """The one atomic step: `state` names the new state dir."""
    os.replace(_temp_link(f"{STATES}/{state_name}", warehouse / STATE), warehouse / STATE)
    _fsync(warehouse)


def _switch(warehouse: Path, current: str, previous: str | None) -> None:
    state_name = _write_state(warehouse, current, previous)
    _ensure_links(warehouse)
    _flip(warehouse, state_name)


def _links() -> dict[str, str]:
    """Each public name and its static link target."""
    links = {name: f"{STATE}/current/{name}" for name in PUBLISHED}
    links[PREVIOUS] = f"{STATE}/previous"
    return links


def _ensure_links(warehouse: Path) -> None:
    changed = False
    for name, target in _links().items():
        path = warehouse / name
        if os.path.islink(path) and os.readlink(path) == target:
            continue
        if os.path.lexists(path) and not os.path.islink(path):
            raise PublishError(f"{path} is a real file or dir where a link belongs.")
        os.replace(_temp_link(target, path), path)
        changed = True
    if changed:
        _fsync(warehouse)


def _temp_link(target: str, path: Path) -> Path:
    """A link to `target` beside `path`, under a temporary name, to be renamed over `path`."""
    temp = path.with_name(f"{TMP_PREFIX}{os.getpid()}-{path.name}")
    if os.path.lexists(temp):
        os.unlink(temp)
    os.symlink(target, temp)
    return temp


# ---------------------------------------------------------------------------------------------
# Helpers


def _check_build(build: Path, warehouse: Path) -> None:
    nothing = "Nothing was changed."
    if build.is_symlink() or not build.is_dir():
        raise PublishError(f"cannot publish {build}: it is not a directory. {nothing}")
    missing = [name for name in PUBLISHED if not os.path.lexists(build / name)]
    if missing:
        raise PublishError(
            f"cannot publish {build}: it lacks {', '.join(missing)} (a release holds all of "
            f"{', '.join(PUBLISHED)}). {nothing}"
        )
    if not warehouse.is_dir():
        raise PublishError(f"cannot publish to {warehouse}: it is not a directory. {nothing}")
    if os.stat(build).st_dev != os.stat(warehouse).st_dev:
        raise PublishError(
            f"cannot publish {build}: it is on another filesystem than {warehouse}, so it cannot "
            f"be renamed in. Build inside the warehouse dir (e.g. {warehouse}/.build). {nothing}"
        )


def _check_names(warehouse: Path) -> None:
    """Refuse, before anything changes, a warehouse whose public names are not all links: the
    switch could not replace them (a set published by hand, or by an older layout)."""
    real = [
        name
        for name in (*PUBLISHED, PREVIOUS)
        if os.path.lexists(warehouse / name) and not os.path.islink(warehouse / name)
    ]
    if real:
        raise PublishError(
            f"{warehouse} holds {', '.join(real)} as real files or directories where links "
            "belong (one_click.publish): move them out of the way and run again. Nothing was "
            "changed."
        )


def _new_id(releases: Path) -> str:
    """A sortable, unused release id: UTC time to the microsecond, and the process id."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9))
    base = f"{stamp}.{now // 1000 % 10**6:06d}Z-{os.getpid()}"
    for count in itertools.count(1):
        name = base if count == 1 else f"{base}-{count}"
        if not os.path.lexists(releases / name):
            return name
    raise AssertionError("unreachable")


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _mkdir(path: Path) -> None:
    if not path.is_dir():
        os.mkdir(path)


def _remove(path: Path) -> None:
    if _is_real_dir(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _fsync(path: Path) -> None:
    """Flush a file's data, or a directory's entries, to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_tree(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            if not os.path.islink(os.path.join(directory, name)):
                _fsync(Path(directory, name))
        _fsync(Path(directory))
