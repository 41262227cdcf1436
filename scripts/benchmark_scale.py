"""The full refresh at the size of a real customer base: wall time per phase and peak memory.

    .venv/bin/python scripts/benchmark_scale.py [--sizes 1300 13000 130000 1300000]
                                                [--format csv|parquet] [--keep DIR]
    .venv/bin/python scripts/benchmark_scale.py --embedded [--runs 2]

For each size it generates a synthetic delivery (one_click.synth, seed 42), runs the refresh on it
(`python -m one_click.refresh --delivery DIR`, exactly what `make build DELIVERY=DIR` runs) in a
scratch copy of the project, and prints one table: the wall time of every phase, the total, the
peak memory, and the seconds per 1,000 customers relative to the smallest size.

--embedded times the refresh of the embedded default instead (`python -m one_click.refresh` on
the seeds, what `make build` runs), --runs times in a row in one scratch copy (the first parses
the whole project, the next ones parse partially, as a second `make build` does), and prints, per
run, the wall and CPU seconds of every step, the dbt build's phases and each Python model of the
build (docs/benchmarks/embedded.md). CPU seconds (user + system of the refresh and every process
it starts, the dbt build's worker processes included) do not depend on what else the machine
runs, as wall seconds do: compare them when the machine is shared.

Phases: validate, docs, report and publish are the refresh's own steps (from the step times it
prints; the report and the docs run at the same time, so their sum exceeds their share of the
total); the dbt build is split by what its Python models do, from dbt's run_results.json, as the
wall time during which at least one model of the group ran: model selection (the sample, the
nested search, leaderboard, calibration, the kept model), scoring, reasons (SHAP, importance, the
retention list's reasons) and segments (profiles and recommendations). Groups overlap where their
models run at the same time (the kept model is trained while the SHAP values are computed). sql
is the rest of the dbt build, while no Python model ran (dbt's parsing, staging to marts, the
marketing and segment SQL, the reporting views, the data and unit tests not run beside a Python
model).

Peak memory is sampled from /proc every 0.2 s: the largest total RSS of the refresh and all its
child processes at any instant. CPU seconds are read from /proc at every step the refresh
announces; this script makes itself the subreaper of the refresh's processes, so that the worker
processes a dbt Python model leaves behind are counted too.

The table is also written, after every size, to docs/benchmarks/scale-<format>.md (or --results
FILE) with the date, the machine and the command (scripts/bench_results.py).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from bench_results import RESULTS_DIR, Results, markdown_table

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

DEFAULT_SIZES = (1_300, 13_000, 130_000, 1_300_000)
STEP_NAMES = {1: "validate", 2: "dbt build", 3: "verify", 4: "report", 5: "docs", 6: "publish"}
# dbt node name -> phase; models not listed here (and every test) count as "sql"
NODE_PHASES = {
    "model_sample": "model selection",
    "candidate_search": "model selection",
    "candidate_predictions": "model selection",
    "model_leaderboard": "model selection",
    "model_calibration": "model selection",
    "churn_model": "model selection",
    "customer_scores": "scoring",
    "customer_shap_values": "reasons",
    "feature_importance": "reasons",
    "customer_reasons": "reasons",
    "segment_profiles": "segments",
    "segment_recommendations": "segments",
}
COLUMNS = (
    "validate",
    "sql",
    "model selection",
    "scoring",
    "reasons",
    "segments",
    "report",
    "docs",
    "publish",
)


def copy_project(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = PROJECT_DIR / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Orphaned descendants (a dbt Python model's worker processes) become this process's
    children, so their CPU time is counted here once they exit (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def reap_orphans(deadline_seconds: float = 30.0) -> None:
    """Wait for the descendants left once the refresh exited (they exit with their parent)."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.1)


class ProcessTree(threading.Thread):
    """This process's descendants, read from /proc every 0.2 s: the largest total RSS at any
    instant, and on demand the CPU seconds (user + system) they have used so far."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self._finished = 0, threading.Event()

    @staticmethod
    def _scan() -> tuple[int, float]:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
                rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
                # utime, stime, and those of the children it has waited for
                cpu[int(entry)] = sum(int(field) for field in fields[11:15]) / CLOCK_TICKS
            except (OSError, IndexError, ValueError):
                continue
        total_rss, total_cpu, todo = 0, 0.0, list(children.get(os.getpid(), []))
        while todo:
            pid = todo.pop()
            total_rss += rss.get(pid, 0)
            total_cpu += cpu.get(pid, 0.0)
            todo.extend(children.get(pid, []))
        return total_rss, total_cpu

    def cpu_seconds(self) -> float:
        """CPU seconds of every descendant so far, those this process reaped included."""
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        return self._scan()[1] + reaped.ru_utime + reaped.ru_stime

    def run(self) -> None:
        while not self._finished.is_set():
            self.peak = max(self.peak, self._scan()[0])
            time.sleep(0.2)

    def stop(self) -> int:
        self._finished.set()
        self.join()
        return self.peak


def _union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, None
    for start, stop in sorted(intervals):
        if end is None or start > end:
            total += stop - start
            end = stop
        elif stop > end:
            total += stop - end
            end = stop
    return total


PYTHON_PHASES = "any Python model"  # the key of dbt_phases for the union of the Python phases


def dbt_phases(run_results: Path) -> dict[str, float]:
    """Wall seconds during which a model of each phase ran, and (PYTHON_PHASES) during which
    any model of any phase but sql ran: phases overlap when their models run at the same time."""
    results = json.loads(run_results.read_text())["results"]
    intervals: dict[str, list[tuple[float, float]]] = {}
    for result in results:
        name = result["unique_id"].split(".")[-1]
        phase = NODE_PHASES.get(name, "sql") if result["unique_id"].startswith("model.") else "sql"
        for timing in result.get("timing", []):
            if timing.get("name") == "execute" and timing.get("started_at"):
                start = datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00"))
                stop = datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00"))
                intervals.setdefault(phase, []).append((start.timestamp(), stop.timestamp()))
    python = [span for phase, spans in intervals.items() if phase != "sql" for span in spans]
    intervals[PYTHON_PHASES] = python
    return {phase: _union_seconds(spans) for phase, spans in intervals.items()}


def run_results(project: Path) -> Path:
    return project / "warehouse" / ".dbt-target" / "build_run_results.json"


def python_models(run_results: Path) -> dict[str, float]:
    """Execution seconds of every Python model of the dbt build (the models NODE_PHASES names)."""
    results = json.loads(run_results.read_text())["results"]
    return {
        name: result["execution_time"]
        for result in results
        if result["unique_id"].startswith("model.")
        and (name := result["unique_id"].split(".")[-1]) in NODE_PHASES
    }


def run_refresh(project: Path, delivery: Path | None) -> dict:
    """Run the refresh in `project` (on the files of `delivery`, or on the seeds); its wall and
    CPU seconds per step and phase, total and peak memory."""
    from one_click.refresh import STEPS, parse_step_times

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ONE_CLICK_"))}
    env.update(DO_NOT_TRACK="1", ONE_CLICK_HOME=str(project), DBT_PROFILES_DIR=str(project))
    log = project / "refresh.log"
    command = [sys.executable, "-m", "one_click.refresh"]
    command += ["--delivery", str(delivery)] if delivery else []
    become_subreaper()
    tree = ProcessTree()
    tree.start()
    started, cpu_started = time.monotonic(), tree.cpu_seconds()
    marks: dict[int, float] = {}  # step number -> CPU seconds when the refresh announced it
    output = []
    with open(log, "w") as out:
        process = subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in process.stdout:
            out.write(line)
            output.append(line)
            if line.startswith("== ") and "/" in line:
                marks[int(line[3 : line.index("/")])] = tree.cpu_seconds()
        code = process.wait()
        finished = time.monotonic()
        reap_orphans()
        marks[len(STEPS) + 1] = tree.cpu_seconds()
        peak = tree.stop()
    if code != 0:
        raise SystemExit(f"the refresh failed (exit {code}); its output: {log}")
    steps = parse_step_times("".join(output))
    cpu = {name: marks[number + 1] - marks[number] for number, name in STEP_NAMES.items()}
    cpu["validate"] += marks[1] - cpu_started  # the refresh's start, before its first step
    # the report and the docs run at the same time: their CPU seconds are counted together
    cpu["report + docs"] = cpu.pop("report") + cpu.pop("docs")
    phases = dbt_phases(run_results(project))
    # sql: the rest of the dbt build's wall time (SQL models, data and unit tests, parsing),
    # while no Python model ran
    phases["sql"] = max(0.0, steps["dbt build"] - phases.pop(PYTHON_PHASES))
    phases.update(
        validate=steps["validate inputs"],
        report=steps["render report"],
        docs=steps["docs"],
        publish=steps["publish"] + steps["verify"],
    )
    return {
        "phases": phases,
        "steps": {STEP_NAMES[STEPS.index(step) + 1]: seconds for step, seconds in steps.items()},
        "cpu": cpu,
        "models": python_models(run_results(project)),
        "total": finished - started,
        "total_cpu": marks[len(STEPS) + 1] - cpu_started,
        "peak_rss": peak,
    }


def embedded_tables(runs: list[dict]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The tables of the embedded default: steps, the dbt build's phases, its Python models."""
    numbered = [f"run {number}" for number in range(1, len(runs) + 1)]
    header = ["step", *(f"{run} {kind}" for run in numbered for kind in ("wall s", "CPU s"))]
    steps = []
    for name in STEP_NAMES.values():
        row = [name]
        for run in runs:
            cpu = run["cpu"].get(name)
            row += [f"{run['steps'][name]:.1f}", "" if cpu is None else f"{cpu:.1f}"]
        steps.append(row)
    steps.append(
        ["report + docs (at the same time)"]
        + [cell for run in runs for cell in ("", f"{run['cpu']['report + docs']:.1f}")]
    )
    steps.append(
        ["total"] + [c for run in runs for c in (f"{run['total']:.1f}", f"{run['total_cpu']:.1f}")]
    )
    phase_header = ["dbt build phase", *(f"{run} wall s" for run in numbered)]
    phase_names = ("sql", "model selection", "scoring", "reasons", "segments")
    phases = [
        [name, *(f"{run['phases'].get(name, 0.0):.1f}" for run in runs)] for name in phase_names
    ]
    model_header = ["Python model", *(f"{run} s" for run in numbered)]
    models = [
        [name, *(f"{run['models'].get(name, 0.0):.1f}" for run in runs)]
        for name in sorted(runs[0]["models"], key=lambda name: -runs[0]["models"][name])
    ]
    return [
        ("Steps of the refresh", header, steps),
        (
            "The dbt build's phases (wall seconds during which a model of the phase ran)",
            phase_header,
            phases,
        ),
        (
            "The dbt build's Python models (execution seconds, from dbt's run_results.json)",
            model_header,
            models,
        ),
    ]


def embedded(runs: int, keep: Path | None) -> None:
    """--embedded: the refresh of the seeds, `runs` times in a row in one scratch copy."""
    results = Results(
        "embedded",
        "The refresh of the embedded default (1,297 customers, the seeds)",
        RESULTS_DIR / "embedded.md",
    )
    work = keep or Path(tempfile.mkdtemp(prefix="one_click_bench_"))
    project = work / "project_embedded"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    copy_project(project)
    measured = []
    for number in range(1, runs + 1):
        measured.append(run_refresh(project, None))
        results.clear()
        results.text(
            "`python -m one_click.refresh` (what `make build` runs) on the seeds, in a scratch "
            "copy of the project, run after run: run 1 parses the whole project, the next ones "
            "partially, as a second `make build` does. Wall seconds of every step (the refresh's "
            "own step times), and CPU seconds (user + system) of the refresh and every process "
            "it starts: the report and the docs run at the same time, so their CPU seconds are "
            "counted together. On a shared machine compare the CPU seconds; the wall seconds "
            "hold on an idle one."
        )
        for title, header, lines in embedded_tables(measured):
            print(f"\n{title}:")
            print_table(header, lines)
            results.text(f"{title}:")
            results.table(header, lines)
        print(f"(written to {results.write(done=number == runs)})")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="time the refresh of the embedded default (the seeds) instead of synthetic sizes",
    )
    parser.add_argument(
        "--runs", type=int, default=2, help="with --embedded: refreshes in a row (default 2)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="the markdown file written (default: docs/benchmarks/scale-<format>.md)",
    )
    args = parser.parse_args()
    if args.embedded:
        embedded(args.runs, args.keep)
        return
    from one_click import synth

    results = Results(
        "scale",
        f"The full refresh at scale ({args.format.upper()} deliveries)",
        args.results or RESULTS_DIR / f"scale-{args.format}.md",
    )

    work = args.keep or Path(tempfile.mkdtemp(prefix="one_click_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for number, size in enumerate(args.sizes, start=1):
        delivery = work / f"delivery_{size}"
        shutil.rmtree(delivery, ignore_errors=True)
        generated = time.monotonic()
        synth.generate(size, delivery, fmt=args.format)
        generated = time.monotonic() - generated
        project = work / f"project_{size}"
        shutil.rmtree(project, ignore_errors=True)
        copy_project(project)
        measured = run_refresh(project, delivery)
        rows.append((size, measured))
        print(f"\n{size:,} customers ({args.format}, generated in {generated:.0f} s):")
        header, lines = table(rows)
        print_table(header, lines)
        write_results(results, args.format, header, lines, done=number == len(args.sizes))
        if not args.keep:
            shutil.rmtree(project, ignore_errors=True)
            shutil.rmtree(delivery, ignore_errors=True)


def write_results(
    results: Results, fmt: str, header: list[str], lines: list[list[str]], done: bool
) -> None:
    results.clear()
    results.text(
        f"Synthetic {fmt.upper()} deliveries (`python -m one_click.synth`, seed 42), each refreshed"
        " by `python -m one_click.refresh --delivery DIR` in a scratch copy of the project. Wall"
        " seconds per phase (the phases are described in the script's docstring), the total, the"
        " peak RSS of the refresh's whole process tree, and the total seconds per 1,000 customers"
        " against the first size.",
    )
    results.table(header, lines)
    path = results.write(done=done)
    print(f"(written to {path})")


def table(rows: list[tuple[int, dict]]) -> tuple[list[str], list[list[str]]]:
    base_size, base = rows[0]
    header = ["customers", *COLUMNS, "total", "peak RSS", "s/1k", "vs first"]
    lines = []
    for size, measured in rows:
        per_1k = measured["total"] / size * 1000
        base_per_1k = base["total"] / base_size * 1000
        lines.append(
            [
                f"{size:,}",
                *(f"{measured['phases'].get(name, 0.0):.1f}" for name in COLUMNS),
                f"{measured['total']:.0f} s",
                f"{measured['peak_rss'] / 2**30:.2f} GB",
                f"{per_1k:.3f}",
                f"{per_1k / base_per_1k:.3f}",
            ]
        )
    return header, lines


def print_table(header: list[str], lines: list[list[str]]) -> None:
    print("\n".join(markdown_table(header, lines)), flush=True)


if __name__ == "__main__":
    main()
