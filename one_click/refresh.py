"""Safe refresh: build a new warehouse beside the published one, publish it only if all passes.

    python -m one_click.refresh              # validate, build, test, render, publish
    python -m one_click.refresh --rollback   # swap the previous published set back in

Steps (each failure stops the refresh, prints one paragraph naming the step, the file, the column
and the problem, and leaves the published files byte for byte unchanged):

1. validate inputs   one_click.validate checks the seed CSVs dbt will load (seed-paths)
2. dbt build         `dbt build` (seeds, models, data and unit tests) into the build dir,
                     emptied first: warehouse/.build/one_click.duckdb (ONE_CLICK_WAREHOUSE); the
                     churn model writes its artifact to warehouse/.build/model/
3. verify            the file is checkpointed (no WAL left), has a storage format the analysts'
                     DuckDB 1.5 CLI reads, and opens in that CLI
4. render report     `python -m one_click.report` into <build dir>/report.html
5. docs              `dbt docs generate --static` against the new file: target/static_index.html,
                     the lineage from the seeds to the report and the analysts' views, offline
6. publish           the published set is warehouse/one_click.duckdb, warehouse/model/ and
                     warehouse/report.html; the set it replaces moves to warehouse/previous/

Publishing renames within one filesystem, so each published path switches in one step: model/ and
report.html first, the warehouse file last. Readers never block a refresh: the published file is
never opened, only renamed over, and a reader who has the old file open keeps reading the old file
until they reconnect. A failed build is kept for debugging (warehouse/.build/ with its dbt log;
dbt's run_results.json in warehouse/.dbt-target/) until the next refresh empties it. Only one
refresh runs at a time (warehouse/.refresh.lock). The build dir keeps one path from run to run
so that dbt can parse partially (dbt reparses everything when the profile's path changes).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from one_click.validate import validate_seeds

WAREHOUSE_FILE = "one_click.duckdb"  # DuckDB names the catalog after the file stem: keep it
MODEL_DIR = "model"
REPORT_FILE = "report.html"
PREVIOUS_DIR = "previous"
LOCK_FILE = ".refresh.lock"
BUILD_DIR = ".build"
DBT_TARGET_DIR = ".dbt-target"  # kept between refreshes for dbt's partial parsing
STAGING_PREFIXES = (".previous-", ".rollback-", ".trash-")

# The storage format (main header version) the analysts' duckdb-cli 1.5.x reads: 64 is the format
# of DuckDB 0.10 up to 1.5 when storage_compatibility_version is left at its default.
READABLE_STORAGE_VERSIONS = frozenset({64})

STEPS = ("validate inputs", "dbt build", "verify", "render report", "docs", "publish")

EXIT_INPUT = 1  # the delivered files were refused; nothing was built
EXIT_BUILD = 3  # dbt build failed: a model error or a failing data or unit test
EXIT_OTHER = 4  # verify, report, publish or rollback failed
EXIT_BUSY = 5  # another refresh or rollback holds the lock


class RefreshFailed(Exception):
    def __init__(self, step: str, message: str, code: int, details: str = "") -> None:
        super().__init__(message)
        self.step, self.message, self.code, self.details = step, message, code, details

    def __str__(self) -> str:
        if self.step in STEPS:
            step = f"step {STEPS.index(self.step) + 1} of {len(STEPS)} ({self.step})"
            text = f"REFRESH FAILED at {step}: {self.message}"
        else:
            text = f"{self.step.upper()} FAILED: {self.message}"
        return text + ("\n" + self.details if self.details else "")


def _say(message: str) -> None:
    print(message, flush=True)


def _rel(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
# Locking and scratch dirs


@contextlib.contextmanager
def _lock(warehouse: Path) -> Iterator[None]:
    with open(warehouse / LOCK_FILE, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefreshFailed(
                "refresh",
                f"another refresh or rollback is running on {warehouse} (it holds "
                f"{LOCK_FILE}); wait for it to finish and run again. Nothing was changed.",
                EXIT_BUSY,
            ) from None
        yield


def _remove_scratch(warehouse: Path) -> None:
    """Build and staging dirs of earlier runs; the lock guarantees none of them is in use."""
    for path in warehouse.iterdir():
        if path.is_dir() and (path.name == BUILD_DIR or path.name.startswith(STAGING_PREFIXES)):
            shutil.rmtree(path, ignore_errors=True)


def _new_dir(warehouse: Path, prefix: str) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = warehouse / f"{prefix}{stamp}-{os.getpid()}"
    path.mkdir()
    return path


# ---------------------------------------------------------------------------------------------
# Atomic swaps

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths (directories too). One atomic step where Linux renameat2 allows it."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
        if done == 0:
            return
        if ctypes.get_errno() not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))
    # no atomic exchange on this system: three renames, `b` is missing for an instant
    spare = b.with_name(f".trash-swap-{os.getpid()}-{b.name}")
    os.rename(b, spare)
    os.rename(a, b)
    os.rename(spare, a)


def _keep_copy(path: Path, target: Path) -> None:
    """A second name for the file (a hard link: no copy, and renames over `path` leave it)."""
    try:
        os.link(path, target)
    except OSError:
        shutil.copy2(path, target)


def _swap_in(source: Path, warehouse: Path, stash: Path) -> None:
    """Publish the set in `source`; the set it replaces lands in the empty dir `stash`.

    model/ and report.html switch first and the warehouse file last, so whoever opens the new
    warehouse file finds the model and report built with it. Each path switches in one rename.
    """
    new_model, published_model = source / MODEL_DIR, warehouse / MODEL_DIR
    if published_model.exists() and new_model.exists():
        _exchange(new_model, published_model)
        os.rename(new_model, stash / MODEL_DIR)
    elif published_model.exists():
        os.rename(published_model, stash / MODEL_DIR)
    elif new_model.exists():
        os.rename(new_model, published_model)
    for name in (REPORT_FILE, WAREHOUSE_FILE):
        new, published = source / name, warehouse / name
        if published.exists():
            _keep_copy(published, stash / name)
        wal = published.with_name(name + ".wal")
        if wal.exists():  # left by a writer of the old file: it belongs with that file
            os.rename(wal, stash / wal.name)
        if new.exists():
            os.replace(new, published)
        elif published.exists():
            published.unlink()
    _fsync(warehouse)


def _fsync(path: Path) -> None:
    """Flush a file's data, or a directory's renames, to disk (a power cut keeps them)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _replace_dir(new: Path, target: Path) -> None:
    if target.exists():
        _exchange(new, target)
        shutil.rmtree(new)
    else:
        os.rename(new, target)


def publish(build: Path, warehouse: Path) -> None:
    """Make the set in `build` the published one; the set it replaces becomes previous/."""
    for path in (build / WAREHOUSE_FILE, build / REPORT_FILE):
        if path.exists():
            _fsync(path)
    stash = _new_dir(warehouse, ".previous-")
    _swap_in(build, warehouse, stash)
    if any(stash.iterdir()):
        _replace_dir(stash, warehouse / PREVIOUS_DIR)
    else:
        stash.rmdir()  # first publish: nothing to keep


def rollback(warehouse: Path) -> None:
    """Swap warehouse/previous/ and the published set; running it again undoes it."""
    previous = warehouse / PREVIOUS_DIR
    if not (previous / WAREHOUSE_FILE).is_file():
        raise RefreshFailed(
            "rollback",
            f"nothing to roll back to: {_rel(previous / WAREHOUSE_FILE, warehouse.parent)} does "
            "not exist (there has been at most one successful refresh). Nothing was changed.",
            EXIT_OTHER,
        )
    if (previous / f"{WAREHOUSE_FILE}.wal").exists():
        import duckdb

        # a log moved here with the file: fold it into the file, which then moves alone
        duckdb.connect(str(previous / WAREHOUSE_FILE)).close()
    stash = _new_dir(warehouse, ".rollback-")
    _swap_in(previous, warehouse, stash)
    _replace_dir(stash, previous)


# ---------------------------------------------------------------------------------------------
# Steps


def _seed_dir(project: Path) -> Path:
    import yaml  # a dbt dependency

    config = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8"))
    return project / (config.get("seed-paths") or ["seeds"])[0]


def _fingerprint(seeds: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(seeds.glob("*.csv"))}


def step_validate(project: Path, seeds: Path) -> dict[str, str]:
    fingerprint = _fingerprint(seeds)
    report = validate_seeds(seeds)
    if not report.ok:
        count = len(report.errors)
        raise RefreshFailed(
            "validate inputs",
            f"the delivered files in {_rel(seeds, project)}/ have {count} "
            f"problem{'s' if count > 1 else ''} (listed below: file, column, problem and lines). "
            "Nothing was built and nothing was published: the published warehouse, model and "
            "report are unchanged. Fix the files (or ask the shop to deliver them again) and run "
            "the refresh again.",
            EXIT_INPUT,
            report.format(),
        )
    if report.warnings:
        _say("Warnings (the refresh goes on):\n" + report.format())
    _say(f"inputs OK: {', '.join(fingerprint)}")
    return fingerprint


def _child_env(project: Path, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ONE_CLICK_WAREHOUSE=str(database),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    if not sys.stdout.isatty():
        env.setdefault("DBT_USE_COLORS", "false")
    env.setdefault("ONE_CLICK_HOME", str(project))
    env.setdefault("DBT_PROFILES_DIR", str(project))
    return env


def _run_streamed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    """Run `command`, echoing its output as it comes; the exit code and the last lines."""
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line.rstrip())
        return process.wait(), list(tail)


def _executable(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def _seed_files(manifest: dict, unique_id: str) -> list[str]:
    """The seed files a node is built from: up the parent map, through sources to their seeds."""
    seeds_by_relation = {
        node.get("relation_name"): Path(node["original_file_path"]).name
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "seed"
    }
    parents, sources = manifest.get("parent_map", {}), manifest.get("sources", {})
    seen: set[str] = set()
    found: set[str] = set()
    todo = [unique_id]
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        node = manifest.get("nodes", {}).get(node_id) or sources.get(node_id) or {}
        if node.get("relation_name") in seeds_by_relation and not node_id.startswith("model."):
            found.add(seeds_by_relation[node["relation_name"]])
        todo.extend(parents.get(node_id, []))
    return sorted(found)


def _delivered_column(manifest: dict, model_id: str, column: str | None) -> str | None:
    """The quoted (delivered) column a staging model renames to `column`, when one line says so."""
    if not column:
        return None
    code = manifest.get("nodes", {}).get(model_id, {}).get("raw_code", "")
    for line in code.splitlines():
        if re.search(rf"\bas\s+{re.escape(column)}\b", line):
            quoted = re.findall(r'"([^"]+)"', line)
            if len(quoted) == 1:
                return quoted[0]
    return None


def _failing_rows(database: Path, compiled_sql: str, column: str | None, limit: int = 3) -> str:
    """A few of the rows a failing test returns, as `name=value` for the telling columns."""
    try:
        import duckdb

        with duckdb.connect(str(database), read_only=True) as con:
            cursor = con.execute(f"select * from ({compiled_sql}) limit {limit}")
            names = [d[0] for d in cursor.description]
            rows = cursor.fetchall()
    except Exception:  # the example is a courtesy; the failure itself is already known
        return ""
    telling = [
        i
        for i, name in enumerate(names)
        if name == column or name.endswith("_id") or name.startswith("failing")
    ] or list(range(min(4, len(names))))
    shown = [", ".join(f"{names[i]}={row[i]!r}" for i in dict.fromkeys(telling)) for row in rows]
    return "; e.g. " + "; ".join(f"({s})" for s in shown) if shown else ""


def _plural(count: int | str, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _describe_dbt_failures(build: Path, database: Path) -> list[str]:
    """One line per failed dbt node: what failed, on which column, built from which file."""
    target = build.parent / DBT_TARGET_DIR
    try:
        results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    lines = []
    for result in results.get("results", []):
        if result.get("status") not in ("error", "fail", "runtime error"):
            continue
        unique_id = result["unique_id"]
        node = nodes.get(unique_id, {})
        message = " ".join(str(result.get("message") or "").split())[:400]
        kind = node.get("resource_type") or unique_id.split(".")[0]
        if kind == "test":
            attached = node.get("attached_node") or ""
            model = attached.split(".")[-1] if attached else node.get("name", unique_id)
            column = node.get("column_name")
            test = (node.get("test_metadata") or {}).get("name") or node.get("name")
            files = _seed_files(manifest, attached or unique_id)
            delivered = _delivered_column(manifest, attached, column)
            text = f"data test {test} on {model}" + (f", column {column}" if column else "")
            if files:
                text += f" (from {', '.join(files)}"
                text += f', column "{delivered}")' if delivered else ")"
            text += f" failed: {_plural(result.get('failures') or '?', 'failing row')}"
            if result.get("compiled_code"):
                text += _failing_rows(database, result["compiled_code"], column)
        elif kind == "unit_test":
            text = f"unit test {node.get('name', unique_id)} on model {node.get('model')} failed"
            text += f": {message}"
        else:
            path = node.get("original_file_path", unique_id)
            text = f"{kind} {node.get('name', unique_id)} ({path}) failed: {message}"
        lines.append(text)
    return lines


def step_dbt_build(project: Path, build: Path, database: Path) -> None:
    command = [
        _executable("dbt"),
        "build",
        "--project-dir",
        str(project),
        "--target-path",
        str(build.parent / DBT_TARGET_DIR),
        "--log-path",
        str(build / "logs"),
    ]
    code, tail = _run_streamed(command, project, _child_env(project, database))
    if code == 0:
        return
    failures = _describe_dbt_failures(build, database)
    if failures:
        details = "\n".join(f"  - {line}" for line in failures)
    else:
        details = "  last lines of dbt's output:\n" + "\n".join(f"    {x}" for x in tail[-15:])
    raise RefreshFailed(
        "dbt build",
        f"dbt build exited with code {code}"
        + (f": {_plural(len(failures), 'failure')}" if failures else "")
        + ", listed below (the model or test, the column, and the delivered file and column it "
        "comes from; later nodes were skipped). The inputs passed the "
        "pre-flight checks, so either the data breaks a rule the dbt tests hold or the project "
        "itself is broken. Nothing was published: the published warehouse, model and report are "
        f"unchanged. The failed build is kept in {_rel(build, project)}/ (one_click.duckdb, "
        f"logs/dbt.log; run_results.json in {_rel(build.parent / DBT_TARGET_DIR, project)}/) "
        "until the next refresh.",
        EXIT_BUILD,
        details,
    )


def _storage_version(database: Path) -> int:
    with open(database, "rb") as handle:
        header = handle.read(20)
    if header[8:12] != b"DUCK":
        raise ValueError("not a DuckDB file (no DUCK magic in the header)")
    return int.from_bytes(header[12:20], "little")


def step_verify(project: Path, build: Path, database: Path) -> None:
    def fail(problem: str) -> RefreshFailed:
        return RefreshFailed(
            "verify",
            f"{_rel(database, project)}: {problem}. Nothing was published; the build is kept in "
            f"{_rel(build, project)}/ until the next refresh.",
            EXIT_OTHER,
        )

    if not database.is_file():
        raise fail("dbt build passed but wrote no warehouse file")
    import duckdb

    # opening and closing read-write checkpoints anything left in the write-ahead log
    duckdb.connect(str(database)).close()
    wal = database.with_name(database.name + ".wal")
    if wal.exists():
        raise fail(f"a write-ahead log ({wal.name}) is left beside the file after a checkpoint")
    try:
        version = _storage_version(database)
    except (OSError, ValueError) as error:
        raise fail(str(error)) from None
    if version not in READABLE_STORAGE_VERSIONS:
        raise fail(
            f"storage version {version} is not one the analysts' DuckDB 1.5 CLI reads "
            f"({sorted(READABLE_STORAGE_VERSIONS)}); check storage_compatibility_version"
        )
    cli = Path(sys.executable).parent / "duckdb"  # duckdb-cli, the analysts' version
    if cli.exists():
        check = subprocess.run(
            [str(cli), "-readonly", str(database), "-c", "select count(*) from duckdb_tables()"],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise fail(f"the DuckDB CLI cannot open it: {check.stderr.strip()[:300]}")
    opens = "opens in the DuckDB CLI" if cli.exists() else "(no DuckDB CLI here to try it)"
    _say(f"warehouse file OK: storage version {version}, {opens}")


def step_report(project: Path, build: Path, database: Path) -> None:
    output = build / REPORT_FILE
    command = [
        sys.executable,
        "-m",
        "one_click.report",
        "--warehouse",
        str(database),
        "--output",
        str(output),
    ]
    code, tail = _run_streamed(command, project, _child_env(project, database))
    if code != 0 or not output.is_file():
        last = "\n".join(f"    {line}" for line in tail[-15:])
        raise RefreshFailed(
            "render report",
            f"python -m one_click.report exited with code {code}"
            + ("" if output.is_file() else f" and wrote no {REPORT_FILE}")
            + ". The data passed every dbt test, but the report could not be rendered (its last "
            "lines are below). Nothing was published; "
            f"the build is kept in {_rel(build, project)}/ until the next refresh.",
            EXIT_OTHER,
            "  last lines of its output:\n" + last,
        )


def step_docs(project: Path, build: Path, database: Path) -> None:
    target = build.parent / DBT_TARGET_DIR
    command = [
        _executable("dbt"),
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(project),
        "--target-path",
        str(target),
        "--log-path",
        str(build / "logs"),
    ]
    code, tail = _run_streamed(command, project, _child_env(project, database))
    page = target / "static_index.html"
    if code != 0 or not page.is_file():
        last = "\n".join(f"    {line}" for line in tail[-15:])
        raise RefreshFailed(
            "docs",
            f"dbt docs generate --static exited with code {code}. Nothing was published; the "
            f"build is kept in {_rel(build, project)}/ until the next refresh.",
            EXIT_OTHER,
            "  last lines of its output:\n" + last,
        )
    (project / "target").mkdir(exist_ok=True)
    shutil.copyfile(page, project / "target" / "static_index.html")


def step_publish(
    project: Path, seeds: Path, fingerprint: dict[str, str], build: Path, warehouse: Path
) -> None:
    now = _fingerprint(seeds)
    if now != fingerprint:
        changed = sorted(set(now.items()) ^ set(fingerprint.items()))
        raise RefreshFailed(
            "publish",
            f"the seed files changed while the refresh ran ({', '.join(n for n, _ in changed)}), "
            "so the build may not match the validated files. Nothing was published; run the "
            "refresh again.",
            EXIT_OTHER,
        )
    publish(build, warehouse)
    shutil.rmtree(build, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Entry points


def refresh(project: Path, warehouse: Path) -> int:
    warehouse.mkdir(parents=True, exist_ok=True)
    with _lock(warehouse):
        _remove_scratch(warehouse)
        started = time.monotonic()
        seeds = _seed_dir(project)

        _say(f"== 1/{len(STEPS)} validate inputs ({_rel(seeds, project)}/)")
        fingerprint = step_validate(project, seeds)

        build = warehouse / BUILD_DIR  # emptied by _remove_scratch
        build.mkdir()
        database = build / WAREHOUSE_FILE
        _say(f"== 2/{len(STEPS)} dbt build into {_rel(database, project)}")
        step_dbt_build(project, build, database)

        _say(f"== 3/{len(STEPS)} verify {_rel(database, project)}")
        step_verify(project, build, database)

        _say(f"== 4/{len(STEPS)} render report")
        step_report(project, build, database)

        _say(f"== 5/{len(STEPS)} dbt docs (target/static_index.html)")
        step_docs(project, build, database)

        _say(f"== 6/{len(STEPS)} publish to {_rel(warehouse, project)}/")
        step_publish(project, seeds, fingerprint, build, warehouse)

    replaced = (
        f"; the set it replaced is in {_rel(warehouse / PREVIOUS_DIR, project)}/ "
        "(python -m one_click.refresh --rollback)"
        if (warehouse / PREVIOUS_DIR / WAREHOUSE_FILE).exists()
        else ""
    )
    _say(
        f"refresh done in {time.monotonic() - started:.0f} s: published "
        f"{_rel(warehouse / WAREHOUSE_FILE, project)}{replaced}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m one_click.refresh",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=Path(os.environ.get("ONE_CLICK_HOME") or "."),
        help="the dbt project (default: $ONE_CLICK_HOME, else the current directory)",
    )
    parser.add_argument(
        "--warehouse-dir",
        type=Path,
        help="where the published files live (default: <project>/warehouse)",
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="swap warehouse/previous/ back in (run again to undo) and exit",
    )
    args = parser.parse_args(argv)
    project = args.project_dir.resolve()
    if not (project / "dbt_project.yml").is_file():
        parser.error(f"{project} is not a dbt project (no dbt_project.yml)")
    warehouse = (args.warehouse_dir or project / "warehouse").resolve()
    try:
        if args.rollback:
            warehouse.mkdir(parents=True, exist_ok=True)
            with _lock(warehouse):
                rollback(warehouse)
            _say(
                f"rolled back: {_rel(warehouse / WAREHOUSE_FILE, project)} is the previous "
                f"set again; the set it replaced is in {_rel(warehouse / PREVIOUS_DIR, project)}/ "
                "(run --rollback again to undo)"
            )
            return 0
        return refresh(project, warehouse)
    except RefreshFailed as failure:
        print(f"\n{failure}", file=sys.stderr, flush=True)
        return failure.code
    except KeyboardInterrupt:
        print(
            "\nREFRESH INTERRUPTED: nothing was published unless the refresh had reached its "
            "last step; the build is kept in warehouse/.build/ until the next refresh.",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
