"""Publish a refresh's output as one set that switches in one atomic step; roll it back.

Layout (every link target is relative, so the warehouse dir can be moved or copied with its links):

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
  NothingToRollBack really means nothing was changed (an old layout is not even adopted).
- The build must be on the warehouse's filesystem (checked first): otherwise rename would fail
  half way through the publish, or a caller's fallback would copy it non-atomically.

Migration from the old layout (real files at warehouse/one_click.duckdb, model/, report.html and
maybe a real previous/ holding the same; a one_click.duckdb.wal may sit beside either file).
publish() and rollback() first adopt it, in steps a re-run recognises and finishes:
1. One flip records the plan: `state` -> a new state whose current and previous name two new
   releases, <id>-adopted-published and <id>-adopted-previous. Nothing is read through `state`
   yet (the published names are still the real files), so a kill before or after changes nothing
   visible; without the flip a re-run starts again, after it a re-run follows the plan.
2. Files (and a WAL beside them) get a second name in the current release: a hard link, the same
   inode, so nothing is copied. Then a link to state/current/<name> is renamed over each real
   file: the name switches in one step between two names of the same file. The old WAL name goes
   last; the release already has it beside the file, where DuckDB (it resolves links) looks.
3. Directories (model/, and previous/ as a whole, WAL included) are renamed into their release
   and a prepared link renamed to the old name. This is the one moment a name is missing: POSIX
   rename cannot replace a directory by a link in one step (that needs renameat2 with
   RENAME_EXCHANGE, out of reach without ctypes). A reader then finds the name missing, an
   error, never a mixed set; it lasts one rename, once per directory, and a re-run finishes it.
Adoption deletes no data (the old WAL name goes only once the release holds the same file); an
entry already in the release as another file stops it with a PublishError (as when the old
refresh code has written over an adopted warehouse). An adopted release may lack entries of
PUBLISHED (the old layout had no docs/): while it is published or previous, that name dangles.
Adopting keeps both old sets; the publish that follows drops the older one, two sets back, as
every publish does.

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

from one_click.languages import REPORT_FILES

# A release holds exactly these entries; adding one here is all a new published name needs.
PUBLISHED = ("one_click.duckdb", "model", *REPORT_FILES, "docs", "history", "release.json")
PREVIOUS = "previous"
STATE = "state"
STATES = "states"
RELEASES = "releases"
TMP_PREFIX = ".publish-tmp-"
_ADOPTED = ("-adopted-published", "-adopted-previous")


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
    _adopt(warehouse)
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
    state = _read_state(warehouse)
    if state is None:
        can_roll_back = _is_real_dir(warehouse / PREVIOUS)  # an old layout, adopted first
    else:
        can_roll_back = state.previous is not None
    if not can_roll_back:
        raise NothingToRollBack(
            f"nothing to roll back to: {warehouse / PREVIOUS} does not exist (at most one set "
            "has been published here). Nothing was changed."
        )
    _adopt(warehouse)
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
    """The release the published names point to; None before the first publish (or adoption)."""
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
# Adopting the old layout


def _old_entries(warehouse: Path) -> list[Path]:
    names = (*PUBLISHED, *(f"{name}.wal" for name in PUBLISHED), PREVIOUS)
    paths = [warehouse / name for name in names]
    return [path for path in paths if os.path.lexists(path) and not os.path.islink(path)]


def _adopt(warehouse: Path) -> None:
    """Move a set published by the old code into releases (see the module docstring)."""
    if not _old_entries(warehouse):
        return
    releases = warehouse / RELEASES
    state = _read_state(warehouse)
    if state is None:  # step 1: the plan, in one flip
        _mkdir(releases)
        stamp = _new_id(releases, *_ADOPTED)
        previous = stamp + _ADOPTED[1] if _is_real_dir(warehouse / PREVIOUS) else None
        _flip(warehouse, _write_state(warehouse, stamp + _ADOPTED[0], previous))
        state = _read_state(warehouse)
        assert state is not None
    current = releases / state.current
    _mkdir(current)
    links = _links()

    # step 2: files, by a second name (no gap)
    for name in PUBLISHED:
        for entry in (name, f"{name}.wal"):
            if _is_real_file(warehouse / entry):
                _link_into(warehouse / entry, current / entry)
    _fsync(current)
    for name in PUBLISHED:
        if _is_real_file(warehouse / name):
            os.replace(_temp_link(links[name], warehouse / name), warehouse / name)
        wal = warehouse / f"{name}.wal"
        if os.path.islink(warehouse / name) and _is_real_file(wal):
            os.unlink(wal)  # the same file is in the release, beside the one it belongs to

    # step 3: directories, by a rename each (a name is missing for one rename)
    moves = [(warehouse / name, current / name, links[name]) for name in PUBLISHED]
    if _is_real_dir(warehouse / PREVIOUS):
        if state.previous is None:
            raise PublishError(_adopt_conflict(warehouse / PREVIOUS, "the state has no previous"))
        moves.append((warehouse / PREVIOUS, releases / state.previous, links[PREVIOUS]))
    for path, target, link in moves:
        if not _is_real_dir(path):
            continue
        if os.path.lexists(target):
            raise PublishError(_adopt_conflict(path, f"{target} already exists"))
        temp = _temp_link(link, path)
        os.rename(path, target)
        os.replace(temp, path)
    _fsync(current)
    _fsync(releases)
    _ensure_links(warehouse)  # names the old layout lacked
    _fsync(warehouse)


def _link_into(source: Path, target: Path) -> None:
    if os.path.lexists(target):
        if not os.path.samefile(source, target):
            raise PublishError(_adopt_conflict(source, f"{target} is another file"))
        return
    os.link(source, target)


def _adopt_conflict(path: Path, problem: str) -> str:
    return (
        f"cannot adopt {path} from the old layout: {problem}. Nothing was deleted; sort the "
        "warehouse dir out by hand and run again."
    )


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


def _new_id(releases: Path, *suffixes: str) -> str:
    """A sortable, unused release id: UTC time to the microsecond, and the process id."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9))
    base = f"{stamp}.{now // 1000 % 10**6:06d}Z-{os.getpid()}"
    for count in itertools.count(1):
        name = base if count == 1 else f"{base}-{count}"
        if not any(os.path.lexists(releases / (name + s)) for s in suffixes or ("",)):
            return name
    raise AssertionError("unreachable")


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _is_real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


def _is_real_file(path: Path) -> bool:
    return os.path.lexists(path) and not path.is_symlink() and not path.is_dir()


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
