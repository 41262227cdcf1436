"""Safe refresh: build a new warehouse beside the published one, publish it only if all passes.

    python -m one_click.refresh                  # the embedded delivery (the seeds)
    python -m one_click.refresh --delivery DIR   # a delivery as files: CSV as delivered, or Parquet
    python -m one_click.refresh --delivery DIR --month 2026-11   # ... of that month
    python -m one_click.refresh --score ...      # score with the kept model, no retraining
    python -m one_click.refresh --rollback       # publish the previous set again (make rollback)

Every refresh publishes one month (--month YYYY-MM; default var delivery_month, the embedded
delivery's month), never older than the last published one unless --force. --score (make
score) scores the delivery with the published kept model (warehouse/model/) instead of
searching and training, and is refused when there is none or it cannot serve the delivery.

Steps (each failure stops the refresh, prints one paragraph naming the step, the file, the column
and the problem, and leaves the published set exactly as it was):

1. validate inputs   the month (format; not older than the published one unless --force), in
                     score mode the kept model (there is one and it can serve), then
                     one_click.validate checks the delivered files (the seeds, or DIR)
2. dbt build         `dbt build` (seeds, models, data tests; the unit tests run in `make test`)
                     into warehouse/.build/, emptied first; the churn model writes its
                     artifact to .build/model/. With --delivery, dbt reads the files in place
                     (var delivery_dir, source `delivery`) and loads no seed. A new model then
                     meets the quality gate (one_click.ml.gate: the interval of its out-of-fold
                     ROC-AUC against var min_selected_roc_auc); when the whole interval lies
                     below the bar and a kept model can serve, the build runs again in score
                     mode: the kept model scores, lists and reports the month, and the refresh
                     says so
3. verify            one_click.warehouse_file: no WAL left, a storage format the analysts'
                     DuckDB 1.5 CLI reads, and that CLI opens it
4. render report     `python -m one_click.report` into .build/: report.html (Russian),
                     report.en.html (English), their technical pages technical.html and
                     technical.en.html, contact_list.csv and contact_list.en.csv. Its
                     process starts with step 2 and waits (--wait), so that its imports are
                     done by the time the warehouse is
5. docs              `dbt docs generate --static --no-compile`: .build/docs/index.html, the
                     build's own manifest (the SQL it ran) with the catalog of the new file.
                     Its process (one_click.waiting_dbt) starts with step 2 and waits, dbt
                     imported. It runs at the same time as step 4, which reads a copy of the file
                     (warehouse/.report-source/, removed after): dbt-duckdb opens its database
                     read-write, which no other process may then open, and the docs must open
                     the build's own path, or dbt would parse the whole project again
6. publish           the release's score history and release.json (one_click.monthly), then
                     one_click.publish: the set (warehouse, model, report, docs, history)
                     switches in one atomic step; the set it replaces stays as
                     warehouse/previous/

After step 2 the refresh warns, naming the features, when any feature's PSI against the model's
training customers exceeds var drift_psi_threshold (ml.feature_drift); in score mode it also
recommends retraining.

This module only runs the steps in order and reports; one_click.publish owns the published
layout and one_click.dbt_failures explains a failed dbt build. A failed build is kept for
debugging (warehouse/.build/ with its dbt log, at info unless DBT_LOG_LEVEL_FILE says otherwise;
dbt's run_results.json and the SQL each node ran in warehouse/.dbt-target/)
until the next refresh empties it. The refresh ends by printing the wall seconds of every step
(STEP_TIMES; scripts/benchmark_scale.py reads them). Only one refresh or rollback runs at a time
(warehouse/.refresh.lock). The build dir keeps one path from run to run so that dbt can parse
partially (dbt reparses everything when the profile's path changes).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from one_click import monthly, publish
from one_click.dbt_failures import describe_failures
from one_click.languages import REPORT_FILES
from one_click.layout import DOCS_DIR, HISTORY_DIR, MODEL_DIR, WAREHOUSE_DIR, WAREHOUSE_FILE
from one_click.ml import gate
from one_click.ml.persist import ARTIFACT_NAME, IncompatibleModel, check_compatible
from one_click.project import setting
from one_click.validate import delivered_files, seeds_dir, validate_delivery
from one_click.warehouse_file import UnreadableWarehouse, check

LOCK_FILE = ".refresh.lock"
BUILD_DIR = ".build"
# dbt's file log (logs/dbt.log) at info: every node, its time and its error. dbt's debug lines
# (every statement and event, 30,000 lines a build) cost the build about a second, written under
# a lock its threads wait on; the SQL of every node is in DBT_TARGET_DIR/run/ anyway.
# DBT_LOG_LEVEL_FILE=debug (dbt's own variable) brings them back.
DBT_FILE_LOG_LEVEL = "info"
DBT_TARGET_DIR = ".dbt-target"  # kept between refreshes for dbt's partial parsing
BUILD_RESULTS = "build_run_results.json"  # the last successful dbt build's run_results.json
# a copy of the built file the report reads while the docs read the file itself (dbt-duckdb
# opens its database read-write, which no other process may then open)
REPORT_SOURCE_DIR = ".report-source"
ROLLBACK_COMMAND = "make rollback"

STEPS = ("validate inputs", "dbt build", "verify", "render report", "docs", "publish")
# the last line of a refresh that succeeded starts so, then `<step> <seconds> s` for every step,
# separated by ", " (parse_step_times reads it back)
STEP_TIMES = "step times:"

EXIT_INPUT = 1  # the delivered files were refused; nothing was built
EXIT_BUILD = 3  # dbt build failed: a model error or a failing data test
EXIT_OTHER = 4  # verify, report, docs, publish or rollback failed
EXIT_BUSY = 5  # another refresh or rollback holds the lock
EXIT_MODEL = 6  # score mode: there is no kept model, or it cannot serve the delivery

UNCHANGED = (
    "Nothing was published: the published warehouse, model, report and docs are unchanged "
    f"(the previous set, if any, is still there for `{ROLLBACK_COMMAND}`)."
)


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


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


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


# ---------------------------------------------------------------------------------------------
# Running commands


def _child_env(project: Path, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ONE_CLICK_WAREHOUSE=str(database),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.setdefault("DBT_LOG_LEVEL_FILE", DBT_FILE_LOG_LEVEL)
    if not sys.stdout.isatty():
        env.setdefault("DBT_USE_COLORS", "false")
    env.setdefault("ONE_CLICK_HOME", str(project))
    env.setdefault("DBT_PROFILES_DIR", str(project))
    return env


def _echo(process: subprocess.Popen) -> tuple[int, list[str]]:
    """Echo a process's output as it comes, until it exits; its exit code and last lines."""
    tail: deque[str] = deque(maxlen=40)
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        tail.append(line.rstrip())
    return process.wait(), list(tail)


def _piped(command: list[str], cwd: Path, env: dict[str, str], **options) -> subprocess.Popen:
    """A child process whose output (its errors with it, as UTF-8 text, undecodable bytes
    replaced) the refresh reads line by line."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        **options,
    )


def _run_streamed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, list[str]]:
    """Run `command`, echoing its output as it comes; the exit code and the last lines."""
    with _piped(command, cwd, env, bufsize=1) as process:
        return _echo(process)


def _executable(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


class Delivery:
    """What the refresh builds from: the seeds (the embedded default) or a directory of files."""

    def __init__(self, project: Path, directory: Path | None) -> None:
        self.is_files = directory is not None
        self.directory = (directory or seeds_dir(project)).resolve()
        # the month, the score mode and the history (set by the refresh once checked)
        self.run_vars: dict = {}

    def dbt_vars(self) -> list[str]:
        """`--vars` for dbt: where the files are and which are Parquet (none for the seeds),
        and the run's month, mode and history."""
        variables = dict(self.run_vars)
        if self.is_files:
            formats = {
                table: path.suffix.lstrip(".")
                for table, path in delivered_files(self.directory).items()
            }
            variables.update(delivery_dir=str(self.directory), delivery_formats=formats)
        return ["--vars", json.dumps(variables, ensure_ascii=False)] if variables else []

    def fingerprint(self) -> dict[str, str]:
        """sha256 of every delivered file, to see whether they change while the refresh runs."""
        digests = {}
        for path in sorted(delivered_files(self.directory).values()):
            with open(path, "rb") as handle:
                digests[path.name] = hashlib.file_digest(handle, "sha256").hexdigest()
        return digests


def _dbt(project: Path, build: Path, delivery: Delivery, *args: str) -> list[str]:
    return [
        _executable("dbt"),
        *args,
        *delivery.dbt_vars(),
        "--project-dir",
        str(project),
        "--target-path",
        str(build.parent / DBT_TARGET_DIR),
        "--log-path",
        str(build / "logs"),
    ]


def _last_lines(tail: list[str]) -> str:
    return "  last lines of its output:\n" + "\n".join(f"    {line}" for line in tail[-15:])


# ---------------------------------------------------------------------------------------------
# Steps


def step_month(project: Path, release: Path | None, month: str | None, force: bool) -> str:
    """The month to publish, checked: YYYY-MM, and not older than the published one."""
    try:
        month = monthly.parse_month(month) if month else monthly.default_month(project)
        published = monthly.check_month(month, release, force)
    except monthly.MonthRefused as problem:
        raise RefreshFailed(
            "validate inputs", f"{problem}. Nothing was built. {UNCHANGED}", EXIT_INPUT
        ) from None
    forced = " (older, --force)" if published and month < published else ""
    _say(f"month {month}{forced}; last published month: {published or 'none'}")
    return month


def step_kept_model(project: Path, release: Path | None) -> dict:
    """Score mode: the published kept model, checked to serve this project; its metadata."""
    artifact = None if release is None else release / MODEL_DIR / ARTIFACT_NAME
    if artifact is None or not artifact.is_file():
        raise RefreshFailed(
            "validate inputs",
            "score mode needs a kept model, and there is none: "
            f"{_rel(artifact or Path(MODEL_DIR) / ARTIFACT_NAME, project)} does not exist (no "
            "full refresh has been published here). Run `make build` first. Nothing was built. "
            f"{UNCHANGED}",
            EXIT_MODEL,
        )
    from one_click.ml.persist import LAYOUT_VARS, load_metadata, load_model, serving_layout

    metadata = load_metadata(artifact)
    layout = serving_layout(*(setting(name, project) for name in LAYOUT_VARS))
    try:
        check_compatible(metadata, layout, load_model(artifact), source=artifact.parent)
    except IncompatibleModel as problem:
        raise RefreshFailed(
            "validate inputs", f"{problem} Nothing was built. {UNCHANGED}", EXIT_MODEL
        ) from None
    _say(
        f"score mode: kept model {metadata['model_family']} {metadata['version']}, trained on "
        f"{metadata.get('training_month')}; it is not retrained"
    )
    return metadata


def step_validate(project: Path, delivery: Delivery, score_only: bool) -> dict[str, str]:
    inputs = delivery.directory
    fingerprint = delivery.fingerprint()
    # a full refresh trains the model, so the delivery must be able to train it; --score does not
    report = validate_delivery(inputs, project, "score" if score_only else "train")
    if not report.ok:
        count = len(report.errors)
        raise RefreshFailed(
            "validate inputs",
            f"the delivered files in {_rel(inputs, project)}/ have {_plural(count, 'problem')} "
            "(listed below: file, column, problem and lines). Nothing was built. "
            f"{UNCHANGED} Fix the files (or ask the shop to deliver them again) and run the "
            "refresh again.",
            EXIT_INPUT,
            report.format(),
        )
    if report.warnings:
        _say("Warnings (the refresh goes on):\n" + report.format())
    _say(f"inputs OK: {', '.join(fingerprint)}")
    return fingerprint


# dbt's unit tests check the SQL's logic on fixed rows, not the month's data: `make test` runs
# them (plain `dbt build`, `make test-fast`); the refresh builds and runs every data test
REFRESH_BUILD = ("build", "--exclude-resource-type", "unit_test")


def step_dbt_build(project: Path, build: Path, database: Path, delivery: Delivery) -> None:
    command = _dbt(project, build, delivery, *REFRESH_BUILD)
    code, tail = _run_streamed(command, project, _child_env(project, database))
    if code == 0:
        # dbt docs generate writes its own run_results.json next: keep the build's
        target = build.parent / DBT_TARGET_DIR
        shutil.copyfile(target / "run_results.json", target / BUILD_RESULTS)
        return
    failures = describe_failures(build.parent / DBT_TARGET_DIR, database)
    details = "\n".join(f"  - {line}" for line in failures) if failures else _last_lines(tail)
    raise RefreshFailed(
        "dbt build",
        f"dbt build exited with code {code}"
        + (f": {_plural(len(failures), 'failure')}" if failures else "")
        + ", listed below (the model or test, the column, and the delivered file and column it "
        "comes from; later nodes were skipped). The inputs passed the "
        "pre-flight checks, so either the data breaks a rule the dbt tests hold or the project "
        f"itself is broken. {UNCHANGED} The failed build is kept in {_rel(build, project)}/ "
        f"(one_click.duckdb, logs/dbt.log; run_results.json in "
        f"{_rel(build.parent / DBT_TARGET_DIR, project)}/) until the next refresh.",
        EXIT_BUILD,
        details,
    )


def step_verify(project: Path, build: Path, database: Path) -> None:
    try:
        summary = check(database)
    except UnreadableWarehouse as problem:
        raise RefreshFailed(
            "verify",
            f"{_rel(database, project)}: {problem}. {UNCHANGED} The build is kept in "
            f"{_rel(build, project)}/ until the next refresh.",
            EXIT_OTHER,
        ) from None
    _say(f"warehouse file OK: {summary}")


def _report_failed(project: Path, build: Path, code: int, tail: list[str]) -> RefreshFailed | None:
    absent = [name for name in REPORT_FILES if not (build / name).is_file()]
    if code == 0 and not absent:
        return None
    return RefreshFailed(
        "render report",
        f"python -m one_click.report exited with code {code}"
        + (f" and did not write {', '.join(absent)}" if absent else "")
        + ". The data passed every dbt test, but the report could not be rendered (its last "
        f"lines are below). {UNCHANGED} The build is kept in {_rel(build, project)}/ until "
        "the next refresh.",
        EXIT_OTHER,
        _last_lines(tail),
    )


def _docs_failed(project: Path, build: Path, code: int, tail: list[str]) -> RefreshFailed | None:
    page = build.parent / DBT_TARGET_DIR / "static_index.html"
    if code == 0 and page.is_file():
        (build / DOCS_DIR).mkdir(exist_ok=True)
        shutil.copyfile(page, build / DOCS_DIR / "index.html")
        return None
    return RefreshFailed(
        "docs",
        f"dbt docs generate --static --no-compile exited with code {code}. {UNCHANGED} The "
        f"build is kept in {_rel(build, project)}/ until the next refresh.",
        EXIT_OTHER,
        _last_lines(tail),
    )


class _WaitingDocs:
    """dbt's docs (one_click.waiting_dbt), started ahead with dbt imported, waiting for their
    arguments; once sent, run beside the report, their output kept to print once they end."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        command = [sys.executable, "-m", "one_click.waiting_dbt"]
        self.process = _piped(command, cwd, env, stdin=subprocess.PIPE, bufsize=1)
        self.lines: list[str] = []
        self.started = self.ended = time.monotonic()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
        self.process.wait()
        self.ended = time.monotonic()

    def go(self, command: list[str]) -> None:
        """Run dbt with `command`'s arguments (command[0], the dbt executable, is dropped)."""
        assert self.process.stdin is not None
        self.started = time.monotonic()
        with contextlib.suppress(OSError):  # it ended already: its exit code says why
            self.process.stdin.write(json.dumps(command[1:]) + "\n")
            self.process.stdin.close()

    def wait(self) -> tuple[int, float]:
        """The exit code and the wall seconds it ran (until it ended, not until this call)."""
        code = self.process.wait()
        self._reader.join()
        return code, self.ended - self.started

    def stop(self) -> None:
        """End it: told to go, it is stopped; still waiting, it exits with nothing done."""
        if self.process.poll() is None:
            assert self.process.stdin is not None
            if self.process.stdin.closed:
                self.process.terminate()
            else:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()
        self.wait()

    def __enter__(self) -> _WaitingDocs:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class _WaitingReport:
    """`python -m one_click.report --wait`, started before the dbt build: its imports (some two
    seconds) are done by the time the warehouse is, and step 4 only tells it to go. It reads a
    copy of the built file (REPORT_SOURCE_DIR), of the same name (the views name their database
    by it). Leaving the `with` block stops it, whatever happened."""

    def __init__(self, project: Path, build: Path) -> None:
        self.copy = build.parent / REPORT_SOURCE_DIR / WAREHOUSE_FILE
        command = [sys.executable, "-m", "one_click.report", "--wait"]
        command += ["--warehouse", str(self.copy), "--output-dir", str(build)]
        self.process = _piped(
            command, project, _child_env(project, self.copy), stdin=subprocess.PIPE, bufsize=1
        )

    def __enter__(self) -> _WaitingReport:
        return self

    def run(self) -> tuple[int, list[str]]:
        """Let it render, echoing its output; its exit code and last lines."""
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):  # it ended already: its exit code says why
            self.process.stdin.write("go\n")
            self.process.stdin.close()
        return _echo(self.process)

    def __exit__(self, *exc_info) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()  # still waiting: it exits with nothing done
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def step_report_and_docs(
    project: Path,
    build: Path,
    database: Path,
    delivery: Delivery,
    report: _WaitingReport,
    docs: _WaitingDocs,
) -> dict[str, float]:
    """Steps 4 and 5 at the same time: the report (its output shown as it comes) and the docs
    (shown once it ends); the wall seconds of each.

    The docs reuse the build's compiled manifest (the shared target dir; --no-compile) and read
    the catalog from the built file, with the build's profile, so that dbt parses nothing
    again; the report reads a copy of the file. Both started with the build and wait, their
    imports done."""
    source = report.copy.parent
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir()
    shutil.copyfile(database, report.copy)
    docs.go(_dbt(project, build, delivery, "docs", "generate", "--static", "--no-compile"))
    try:
        started = time.monotonic()
        code, tail = report.run()
        times = {"render report": time.monotonic() - started}
        report_failure = _report_failed(project, build, code, tail)
        if report_failure is not None:
            raise report_failure
        docs_code, times["docs"] = docs.wait()
        _say("\n".join(docs.lines))
        docs_failure = _docs_failed(project, build, docs_code, docs.lines)
        if docs_failure is not None:
            raise docs_failure
        return times
    finally:
        docs.stop()
        shutil.rmtree(source, ignore_errors=True)


def step_quality_gate(project: Path, database: Path, release: Path | None) -> gate.GateDecision:
    """Judge the new model with the interval of its out-of-fold ROC-AUC (one_click.ml.gate)."""
    quality = monthly.selected_quality(database)
    bar = float(setting("min_selected_roc_auc", project))
    has_kept = release is not None and (release / MODEL_DIR / ARTIFACT_NAME).is_file()
    values = (quality["oof_roc_auc"], quality["oof_roc_auc_lower"], quality["oof_roc_auc_upper"])
    decision = gate.judge(*values, bar, kept_model=has_kept)
    if decision.decision == gate.KEEP_KEPT_MODEL:
        try:
            step_kept_model(project, release)
        except RefreshFailed as problem:  # the kept model cannot serve: the new one, loudly
            _say(f"the kept model cannot score this month: {problem.message}")
            decision = gate.judge(*values, bar, kept_model=False)
    _say(decision.message)
    return decision


def step_drift(database: Path, score_only: bool) -> tuple[dict, list[dict]]:
    """Warn when features drifted from the model's training customers (ml.feature_drift)."""
    model, drifted = monthly.model_and_drift(database)
    warning = monthly.drift_warning(model, drifted, score_only)
    _say(warning or "feature drift: no feature beyond the PSI threshold (ml.feature_drift)")
    return model, drifted


def step_publish(
    delivery: Delivery,
    fingerprint: dict[str, str],
    build: Path,
    warehouse: Path,
    release: Path | None = None,
    info: dict | None = None,
) -> None:
    info = info or {}
    if "month" in info:
        try:
            months = monthly.write_history(build, build / WAREHOUSE_FILE, release, info["month"])
        except (OSError, ValueError, RuntimeError) as error:
            raise RefreshFailed(
                "publish",
                f"the score history could not be written: {error}. {UNCHANGED}",
                EXIT_OTHER,
            ) from None
        monthly.write_release_info(build, {**info, "history_months": months})
    now = delivery.fingerprint()
    if now != fingerprint:
        changed = sorted({name for name, _ in set(now.items()) ^ set(fingerprint.items())})
        raise RefreshFailed(
            "publish",
            f"the delivered files changed while the refresh ran ({', '.join(changed)}), so the "
            f"build may not match the validated files. {UNCHANGED} Run the refresh again.",
            EXIT_OTHER,
        )
    try:
        publish.publish(build, warehouse)
    except publish.PublishError as error:
        raise RefreshFailed("publish", f"{error} {UNCHANGED}", EXIT_OTHER) from None


class _StepTimes(dict):
    """Wall seconds per step, each from the end of the one before (a lap of a stopwatch)."""

    def __init__(self) -> None:
        super().__init__()
        self._since = time.monotonic()

    def lap(self, *steps: str, seconds: dict[str, float] | None = None) -> None:
        """End the steps: one lap for `steps`' one step, or the seconds measured apart for
        steps that ran at the same time."""
        now = time.monotonic()
        if seconds is None:
            [step] = steps
            self[step] = now - self._since
        else:
            self.update(seconds)
        self._since = now

    def line(self, together: tuple[str, ...] = ()) -> str:
        """The refresh's STEP_TIMES line (parse_step_times reads it back)."""
        text = ", ".join(f"{step} {self[step]:.1f} s" for step in STEPS if step in self)
        return f"{STEP_TIMES} {text}" + (
            f" ({' and '.join(together)} at the same time)" if together else ""
        )


def parse_step_times(output: str) -> dict[str, float]:
    """The wall seconds per step from a refresh's output (its STEP_TIMES line)."""
    for line in output.splitlines():
        if line.startswith(STEP_TIMES):
            text = line[len(STEP_TIMES) :].split(" (", 1)[0]
            times = {}
            for part in text.split(", "):
                step, seconds, _ = part.strip().rsplit(" ", 2)
                times[step] = float(seconds)
            return times
    raise ValueError(f"no line starting {STEP_TIMES!r} in the refresh's output")


# ---------------------------------------------------------------------------------------------
# Entry points


def refresh(
    project: Path,
    warehouse: Path,
    delivery: Delivery,
    month: str | None = None,
    force: bool = False,
    score_only: bool = False,
) -> int:
    warehouse.mkdir(parents=True, exist_ok=True)
    with _lock(warehouse):
        started = time.monotonic()
        times = _StepTimes()
        publish.collect_garbage(warehouse)  # what a killed run left behind
        for leftover in (BUILD_DIR, REPORT_SOURCE_DIR):
            shutil.rmtree(warehouse / leftover, ignore_errors=True)
        inputs = delivery.directory
        build = warehouse / BUILD_DIR
        database = build / WAREHOUSE_FILE
        count = len(STEPS)
        release = publish.current_release(warehouse)  # fixed while the lock is held

        _say(f"== 1/{count} validate inputs ({_rel(inputs, project)}/)")
        month = step_month(project, release, month, force)
        if score_only:
            step_kept_model(project, release)
        fingerprint = step_validate(project, delivery, score_only)
        delivery.run_vars = {
            "delivery_month": month,
            "history_dir": str(warehouse / HISTORY_DIR),
            "history_months": [m for m in monthly.history_months(release) if m != month],
            "assignment_months": monthly.history_months(release, monthly.ASSIGNMENT_FILE),
            "campaign_results_months": monthly.history_months(
                release, monthly.CAMPAIGN_RESULTS_FILE
            ),
        }
        if score_only:
            delivery.run_vars.update(
                score_only=True,
                kept_model_dir=str(release / MODEL_DIR),
                kept_warehouse=str(release / WAREHOUSE_FILE),
            )
        build.mkdir()
        times.lap("validate inputs")
        # the report's and the docs' processes start now, so that their imports are done with
        # the build
        with (
            _WaitingReport(project, build) as report,
            _WaitingDocs(project, _child_env(project, database)) as docs,
        ):
            _say(f"== 2/{count} dbt build into {_rel(database, project)}")
            step_dbt_build(project, build, database, delivery)
            decision = None if score_only else step_quality_gate(project, database, release)
            if decision is not None and not decision.publishes_new_model:
                # the month is still scored, listed and reported: by the kept model
                score_only = True
                _say(f"== 2/{count} dbt build again, in score mode: the kept model scores")
                shutil.rmtree(build)
                build.mkdir()
                delivery.run_vars.update(
                    score_only=True,
                    kept_model_dir=str(release / MODEL_DIR),
                    kept_warehouse=str(release / WAREHOUSE_FILE),
                    quality_gate_note=decision.message,
                )
                step_dbt_build(project, build, database, delivery)
            model, drifted = step_drift(database, score_only)
            _say(monthly.realized_warning(monthly.realized_performance(database)))
            times.lap("dbt build")
            _say(f"== 3/{count} verify {_rel(database, project)}")
            step_verify(project, build, database)
            times.lap("verify")
            _say(f"== 4/{count} render report")
            _say(f"== 5/{count} dbt docs, beside the report (its output follows the report's)")
            together = ("render report", "docs")
            times.lap(
                *together,
                seconds=step_report_and_docs(project, build, database, delivery, report, docs),
            )
        _say(f"== 6/{count} publish to {_rel(warehouse, project)}/")
        info = {
            "month": month,
            "mode": monthly.SCORE if score_only else monthly.TRAIN,
            "model_version": model["version"],
            "model_training_month": model["training_month"],
            "drifted_features": [d["feature"] for d in drifted],
            "quality_gate": None if decision is None else decision.decision,
            "delivery": str(inputs),
        }
        step_publish(delivery, fingerprint, build, warehouse, release, info)
        times.lap("publish")
    replaced = (
        f"; the set it replaced is in {_rel(warehouse / publish.PREVIOUS, project)}/ "
        f"(`{ROLLBACK_COMMAND}` puts it back)"
        if publish.previous_release(warehouse)
        else ""
    )
    _say(times.line(together))
    gate_failed = (
        "; the new model failed the quality gate and was not published"
        if decision is not None and not decision.publishes_new_model
        else ""
    )
    _say(
        f"refresh done in {time.monotonic() - started:.0f} s: published month {month} "
        f"({'scored by the kept model' if score_only else 'model trained'}{gate_failed}) in "
        f"{_rel(warehouse / WAREHOUSE_FILE, project)}{replaced}"
    )
    return 0


def rollback(project: Path, warehouse: Path) -> int:
    warehouse.mkdir(parents=True, exist_ok=True)
    with _lock(warehouse):
        try:
            publish.rollback(warehouse)
        except publish.PublishError as error:
            raise RefreshFailed("rollback", str(error), EXIT_OTHER) from None
    _say(
        f"rolled back: {_rel(warehouse / WAREHOUSE_FILE, project)} (with its model, report and "
        f"docs) is the previous set again; the set it replaced is in "
        f"{_rel(warehouse / publish.PREVIOUS, project)}/ (`{ROLLBACK_COMMAND}` again undoes it)"
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
        "--delivery",
        type=Path,
        metavar="DIR",
        help="build from the four files in DIR, as delivered (CSV) or as Parquet, read in place "
        "(default: the embedded delivery, the seeds)",
    )
    parser.add_argument(
        "--month",
        metavar="YYYY-MM",
        help="the month of the delivery (default: var delivery_month, the embedded delivery's)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="publish a month older than the last published one",
    )
    parser.add_argument(
        "--score",
        action="store_true",
        help="score with the published kept model (warehouse/model/), without retraining",
    )
    parser.add_argument(
        "--rollback",
        action="store_true",
        help="publish warehouse/previous/ again (run again to undo) and exit",
    )
    args = parser.parse_args(argv)
    project = args.project_dir.resolve()
    if not (project / "dbt_project.yml").is_file():
        parser.error(f"{project} is not a dbt project (no dbt_project.yml)")
    warehouse = (args.warehouse_dir or project / WAREHOUSE_DIR).resolve()
    if args.delivery is not None and not args.delivery.is_dir():
        parser.error(f"--delivery {args.delivery}: not a directory")
    try:
        if args.rollback:
            return rollback(project, warehouse)
        return refresh(
            project,
            warehouse,
            Delivery(project, args.delivery),
            month=args.month,
            force=args.force,
            score_only=args.score,
        )
    except RefreshFailed as failure:
        print(f"\n{failure}", file=sys.stderr, flush=True)
        return failure.code
    except KeyboardInterrupt:
        print(
            "\nREFRESH INTERRUPTED: the published set is the one before this run, or, if the "
            "refresh had reached its last step, the new one: never a mix of the two. The build "
            f"is kept in warehouse/{BUILD_DIR}/ until the next refresh.",
            file=sys.stderr,
        )
        return 130


def score_main(argv: list[str] | None = None) -> int:
    """Console script one-click-score: the refresh with --score."""
    return main(["--score", *(sys.argv[1:] if argv is None else argv)])


def rollback_main(argv: list[str] | None = None) -> int:
    """Console script one-click-rollback: the refresh's --rollback."""
    return main(["--rollback", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
