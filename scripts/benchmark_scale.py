"""The full refresh at the size of a real customer base: wall time per phase and peak memory.

    .venv/bin/python scripts/benchmark_scale.py [--sizes 1300 13000 130000 1300000]
                                                [--format csv|parquet] [--keep DIR]
                                                [--models-at 130000 1300000]
    .venv/bin/python scripts/benchmark_scale.py --embedded [--runs 3]

For each size it generates a synthetic delivery (one_click.synth, seed 42), runs the refresh on it
(`python -m one_click.refresh --delivery DIR`, exactly what `make build DELIVERY=DIR` runs) in a
scratch copy of the project, and prints one table: the wall time of every phase, the total, the
peak memory, and the seconds per 1,000 customers relative to the smallest size.

--embedded times the refresh of the embedded default instead (`python -m one_click.refresh` on
the seeds, what `make build` runs), --runs times in a row in one scratch copy (the first two
parse the whole project: the second's vars name the history the first published; the third
parses partially, as a refresh whose history did not change does), and prints, per
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

At the sizes of --models-at (default 130,000 and 1,300,000; those also in --sizes) it prints
every dbt model of the build: its execution seconds (run_results.json) and, from the process
tree's RSS and CPU sampled every 0.2 s, the tree's peak RSS while the model ran, the rise over the
model's start and the tree's CPU seconds then (dbt-duckdb runs a Python model inside the dbt
process: no model has memory of its own, and models running at the same time share it; the
table names the Python models that ran beside). At the largest of them it then measures the
learning steps when a campaign's outcomes arrive: one_click.synth draws the month var
profit_at_risk_months on from the delivery and the published campaign assignment, the refresh
scores it with the kept model (--score), and the script times the learning models (the control
group, the campaign results, the realized accuracy and the models carrying them) of both
refreshes, and, apart, the month's history files and the report's sections of them. All of it
goes to docs/benchmarks/scale-models-<format>.md, with the largest size's Python models' peak RSS
extrapolated linearly to ESTIMATE_AT customers through the two sizes (an estimate, marked so).
"""

from __future__ import annotations

import argparse
import bisect
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
# --models-at: each dbt model's time and memory at these sizes (those also in --sizes)
DEFAULT_MODELS_AT = (130_000, 1_300_000)
ESTIMATE_AT = 10_400_000  # the Python models' peak RSS extrapolated to this many customers
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
        # (wall clock, total RSS, CPU seconds so far) every 0.2 s: what each dbt model's
        # interval in run_results.json is matched against (model_table)
        self.samples: list[tuple[float, int, float]] = []

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
            rss, cpu = self._scan()
            reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.samples.append((time.time(), rss, cpu + reaped.ru_utime + reaped.ru_stime))
            self.peak = max(self.peak, rss)
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


# every .py under python_models/ is a dbt Python model; every other model is SQL
PYTHON_MODELS = frozenset(path.stem for path in (PROJECT_DIR / "python_models").rglob("*.py"))
# the steps that learn what worked (a campaign's control group, its measured effect, the realized
# accuracy of earlier scores), and the models that only carry them to the history and the report
LEARNING_MODELS = (
    "campaign_assignment",
    "control_group",
    "campaign_results",
    "realized_scores",
    "realized_performance",
    "realized_calibration",
)
LEARNING_SUPPORT = (
    "past_campaign_assignments",
    "campaign_assignment_history",
    "rpt_campaign_design",
    "rpt_campaign_results",
    "rpt_realized_performance",
    "rpt_realized_calibration",
)
# the report's frames of its sections "What worked" and realized accuracy (render.PARTS)
LEARNING_PARTS = ("worked", "realized")


def _instant(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _at(samples: list[tuple[float, int, float]], instant: float, field: int) -> float:
    """A sampled field (1: RSS, 2: CPU seconds) at `instant`, linear between the samples."""
    times = [sample[0] for sample in samples]
    after = bisect.bisect_left(times, instant)
    if after == 0:
        return samples[0][field]
    if after == len(samples):
        return samples[-1][field]
    (t0, *v0), (t1, *v1) = samples[after - 1], samples[after]
    share = (instant - t0) / (t1 - t0) if t1 > t0 else 0.0
    return v0[field - 1] + share * (v1[field - 1] - v0[field - 1])


def node_measures(project: Path, samples: list[tuple[float, int, float]]) -> list[dict]:
    """Every node of the dbt build (model, test, seed) from run_results.json: its execution
    seconds, and from the process tree's samples while it ran its peak RSS, the rise of the RSS
    over its start and the tree's CPU seconds; the Python models that ran at the same time."""
    target = project / "warehouse" / ".dbt-target"
    results = json.loads(run_results(project).read_text())["results"]
    manifest = target / "manifest.json"
    nodes = json.loads(manifest.read_text())["nodes"] if manifest.is_file() else {}
    measured = []
    for result in results:
        unique_id = result["unique_id"]
        spans = [
            (_instant(timing["started_at"]), _instant(timing["completed_at"]))
            for timing in result.get("timing", [])
            if timing.get("name") == "execute" and timing.get("started_at")
        ]
        if not spans or not samples:
            continue
        (start, stop), kind = spans[0], unique_id.split(".")[0]
        name = unique_id.split(".")[2] if kind == "test" else unique_id.split(".")[-1]
        if kind == "model":
            kind = "python" if name in PYTHON_MODELS else "sql"
        within = [rss for instant, rss, _ in samples if start <= instant <= stop]
        base = _at(samples, start, 1)
        peak = max([*within, base, _at(samples, stop, 1)])
        depends = nodes.get(unique_id, {}).get("depends_on", {}).get("nodes", [])
        measured.append(
            {
                "name": name,
                "kind": kind,
                "start": start,
                "stop": stop,
                "seconds": float(result.get("execution_time") or stop - start),
                "cpu": _at(samples, stop, 2) - _at(samples, start, 2),
                "peak": peak,
                "rise": peak - base,
                "models": [d.split(".")[-1] for d in depends if d.startswith("model.")],
            }
        )
    for node in measured:
        node["beside"] = sorted(
            other["name"]
            for other in measured
            if other is not node
            and other["kind"] == "python"
            and other["start"] < node["stop"]
            and node["start"] < other["stop"]
        )
    return measured


def learning_apart(project: Path) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of the learning steps the refresh runs outside dbt, measured again
    apart, in this process, on the published release: the month's history files
    (one_click.monthly.write_history, into a scratch directory) and the report's sections of
    LEARNING_PARTS in every language (reading their reporting views, which compute then, and
    preparing their tables and figures; rpt_summary, which every section reads, read first and
    not counted)."""
    import duckdb

    from one_click import monthly, publish
    from one_click.i18n import REPORT_LANGUAGES, Translator
    from one_click.layout import WAREHOUSE_FILE
    from one_click.report import data as report_data
    from one_click.report.render import PARTS

    release = publish.current_release(project / "warehouse")
    database = release / WAREHOUSE_FILE
    month = monthly.release_info(release)["month"]
    measured = {}
    scratch = Path(tempfile.mkdtemp(prefix="one_click_history_"))
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        monthly.write_history(scratch, database, release, month)
        measured["history writes (scores and assignment)"] = (
            time.perf_counter() - wall,
            time.process_time() - cpu,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    columns = report_data.relations(project)
    frames = {}
    with duckdb.connect(str(database), read_only=True) as con:

        def read(frame: str):
            selected = ", ".join(f'"{column}"' for column in columns[frame])
            return con.execute(f"select {selected} from {report_data.relation_name(frame)}").df()

        frames["summary"] = read("summary")
        wall, cpu = time.perf_counter(), time.process_time()
        for part in LEARNING_PARTS:
            for frame in PARTS[part][0]:
                if frame not in frames:
                    frames[frame] = read(frame)
        data = report_data.ReportData(database.name, frames, {})
        for language in REPORT_LANGUAGES:
            translator = Translator(language)
            for part in LEARNING_PARTS:
                PARTS[part][1](data, translator)
        measured["report sections (What worked, realized accuracy)"] = (
            time.perf_counter() - wall,
            time.process_time() - cpu,
        )
    return measured


def python_models(run_results: Path) -> dict[str, float]:
    """Execution seconds of every Python model of the dbt build (the models NODE_PHASES names)."""
    results = json.loads(run_results.read_text())["results"]
    return {
        name: result["execution_time"]
        for result in results
        if result["unique_id"].startswith("model.")
        and (name := result["unique_id"].split(".")[-1]) in NODE_PHASES
    }


def run_refresh(project: Path, delivery: Path | None, *options: str) -> dict:
    """Run the refresh in `project` (on the files of `delivery`, or on the seeds; `options`
    such as --month M --score passed on); its wall and CPU seconds per step and phase, total,
    peak memory, and every dbt node's measures (node_measures)."""
    from one_click.refresh import STEPS, parse_step_times

    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ONE_CLICK_"))}
    env.update(DO_NOT_TRACK="1", ONE_CLICK_HOME=str(project), DBT_PROFILES_DIR=str(project))
    log = project / "refresh.log"
    command = [sys.executable, "-m", "one_click.refresh"]
    command += ["--delivery", str(delivery)] if delivery else []
    command += list(options)
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
        "nodes": node_measures(project, tree.samples),
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
            "copy of the project, run after run. Run 1 parses the whole project; so does run 2, "
            "as every refresh does after the published history changed (the refresh passes the "
            "history's months as vars, and dbt parses everything again when a var changes): the "
            "second `make build` of a clone, the first of a new month. Run 3 parses partially, as"
            " a refresh does when the history did not change. Wall seconds of every step (the "
            "refresh's own step times), and CPU seconds (user + system) of the refresh and every "
            "process it starts: the report and the docs run at the same time, so their CPU "
            "seconds are counted together. On a shared machine compare the CPU seconds; the wall "
            "seconds hold on an idle one."
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
        "--runs", type=int, default=3, help="with --embedded: refreshes in a row (default 3)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        help="the markdown file written (default: docs/benchmarks/scale-<format>.md)",
    )
    parser.add_argument(
        "--models-at",
        type=int,
        nargs="*",
        default=list(DEFAULT_MODELS_AT),
        help="sizes (of --sizes) at which each dbt model's time and memory are written, and the"
        " largest of them is refreshed again when its campaign's outcomes arrive (default:"
        " 130000 1300000; none: no such table)",
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

    models_at = sorted(set(args.models_at) & set(args.sizes))
    models_results = Results(
        "scale-models",
        f"Each dbt model and the learning steps at {max(models_at, default=0):,} customers"
        f" ({args.format.upper()} delivery)",
        # beside --results when given (scale-10m.md: scale-10m-models.md)
        args.results.with_name(f"{args.results.stem}-models.md")
        if args.results
        else RESULTS_DIR / f"scale-models-{args.format}.md",
    )
    work = args.keep or Path(tempfile.mkdtemp(prefix="one_click_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    smaller = None  # (size, measures) of the smaller --models-at size, for the estimate
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
        if size in models_at:
            measured["customers"] = size
            if size == models_at[-1]:
                measured["label"] = "the month the campaign starts (no outcome arrived yet)"
                measured["apart"] = learning_apart(project)
                runs = [("month M", measured)]
                write_models(models_results, args.format, runs, smaller, done=False)
                later = outcomes_month(project, delivery, work, args.format)
                later["customers"] = size
                runs.append(("month M+h", later))
                for title, table_header, table_lines in node_tables(runs[-1][1]):
                    print(f"\n{title}, month M+h (scored by the kept model):")
                    print_table(table_header, table_lines)
                header, lines = learning_table(runs)
                print(f"\nThe learning steps at {size:,} customers:")
                print_table(header, lines)
                write_models(models_results, args.format, runs, smaller, done=True)
            else:
                smaller = (size, measured)
            for title, table_header, table_lines in node_tables(measured):
                print(f"\n{title}:")
                print_table(table_header, table_lines)
        if not args.keep:
            shutil.rmtree(project, ignore_errors=True)
            shutil.rmtree(delivery, ignore_errors=True)


def _gb(size: float) -> str:
    return f"{size / 2**30:.2f}"


def _beside(names: list[str]) -> str:
    return ", ".join(names[:2]) + (f" +{len(names) - 2}" if len(names) > 2 else "")


def node_tables(
    measured: dict, estimate: tuple[int, dict] | None = None
) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every dbt model of one refresh: Python models (time, CPU, peak RSS, its rise), SQL
    models (time, CPU, peak RSS), the tests and seeds summed. `estimate` (a smaller size and its
    measures) adds, per Python model, its peak RSS extrapolated to ESTIMATE_AT customers,
    linear in the customers through the two sizes."""
    nodes = measured["nodes"]
    size = measured["customers"]
    smaller = {}
    if estimate is not None:
        smaller = {n["name"]: n for n in estimate[1]["nodes"] if n["kind"] == "python"}
    python_header = ["Python model", "s", "tree CPU s", "peak GB", "rise MB", "ran beside"]
    if smaller:
        python_header.append(f"peak GB at {ESTIMATE_AT / 1e6:.1f} M (estimate)")
    python_rows = []
    for node in sorted(nodes, key=lambda n: -n["seconds"]):
        if node["kind"] != "python":
            continue
        row = [
            node["name"],
            f"{node['seconds']:.1f}",
            f"{node['cpu']:.1f}",
            _gb(node["peak"]),
            f"{node['rise'] / 2**20:+.0f}",
            _beside(node["beside"]),
        ]
        if smaller:
            other = smaller.get(node["name"])
            if other is None:
                row.append("")
            else:
                slope = (node["peak"] - other["peak"]) / (size - estimate[0])
                row.append(_gb(node["peak"] + slope * (ESTIMATE_AT - size)))
        python_rows.append(row)
    sql_header = ["SQL model", "s", "tree CPU s", "peak GB", "ran beside"]
    sql_rows = [
        [n["name"], f"{n['seconds']:.1f}", f"{n['cpu']:.1f}", _gb(n["peak"]), _beside(n["beside"])]
        for n in sorted(nodes, key=lambda n: -n["seconds"])
        if n["kind"] == "sql"
    ]
    rest = {}
    for node in nodes:
        if node["kind"] not in ("python", "sql"):
            count, seconds = rest.get(node["kind"], (0, 0.0))
            rest[node["kind"]] = (count + 1, seconds + node["seconds"])
    for kind, (count, seconds) in sorted(rest.items()):
        sql_rows.append([f"every {kind} ({count}), summed", f"{seconds:.1f}", "", "", ""])
    return [
        (f"Python models at {size:,} customers", python_header, python_rows),
        (f"SQL models at {size:,} customers, then the tests and seeds", sql_header, sql_rows),
    ]


def learning_rows(measured: dict) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of every learning step of one refresh: the dbt models of
    LEARNING_MODELS and LEARNING_SUPPORT, the data tests on them alone (summed), and the
    steps measured apart (measured["apart"])."""
    learning = set(LEARNING_MODELS) | set(LEARNING_SUPPORT)
    rows = {}
    for name in (*LEARNING_MODELS, *LEARNING_SUPPORT):
        found = [n for n in measured["nodes"] if n["name"] == name and n["kind"] != "test"]
        rows[name] = (sum(n["seconds"] for n in found), sum(n["cpu"] for n in found))
    tests = [
        n
        for n in measured["nodes"]
        if n["kind"] == "test" and n["models"] and set(n["models"]) <= learning
    ]
    rows[f"their data tests ({len(tests)})"] = (
        sum(n["seconds"] for n in tests),
        sum(n["cpu"] for n in tests),
    )
    rows.update(measured.get("apart", {}))
    return rows


def learning_table(runs: list[tuple[str, dict]]) -> tuple[list[str], list[list[str]]]:
    header = ["learning step", *(f"{label} {k}" for label, _ in runs for k in ("s", "CPU s"))]
    columns = [learning_rows(measured) for _, measured in runs]
    lines = [
        [name, *(c for rows in columns for c in (f"{rows[name][0]:.1f}", f"{rows[name][1]:.1f}"))]
        for name in columns[0]
    ]
    lines.append(
        [
            "total",
            *(
                c
                for rows in columns
                for c in (
                    f"{sum(v[0] for v in rows.values()):.1f}",
                    f"{sum(v[1] for v in rows.values()):.1f}",
                )
            ),
        ]
    )
    return header, lines


def write_models(
    results: Results,
    fmt: str,
    runs: list[tuple[str, dict]],
    estimate: tuple[int, dict] | None,
    done: bool,
) -> None:
    """The file of --models-at: each dbt model of the largest size, and the learning steps."""
    results.clear()
    results.text(
        f"Synthetic {fmt.upper()} deliveries (`python -m one_click.synth`, seed 42), refreshed by"
        " `python -m one_click.refresh --delivery DIR` in a scratch copy of the project. Each"
        " model's seconds are dbt's execution time (run_results.json). Memory: dbt-duckdb runs"
        " a Python model inside the dbt process, so no model has memory of its own; the script"
        " samples the RSS of the refresh's whole process tree every 0.2 s (dbt with DuckDB's"
        " buffer pool, the model's worker processes, the report's process waiting beside the"
        " build; pages shared by forked workers counted in each) and gives, for each model,"
        " the tree's peak while the model ran (from its start and end in run_results.json) and"
        " the rise of that peak over the tree's RSS at the model's start, the model's own"
        " growth when it ran alone. dbt runs several nodes at a time (threads, profiles.yml):"
        " a model that ran beside another (last column: the Python models) shares the peak,"
        " the rise and the tree's CPU seconds with it, and with the SQL models and tests that"
        " ran then; a model shorter than the 0.2 s sampling shows the RSS around it."
        " The peak is an upper bound of the model's memory; DuckDB keeps its buffer pool from"
        " model to model, so the peak creeps up through the build.",
    )
    for title, header, lines in node_tables(runs[0][1], estimate):
        results.text(f"{title}:")
        results.table(header, lines)
    if estimate is not None:
        results.text(
            f"The estimate column is an estimate, not a measurement: the peak RSS at"
            f" {ESTIMATE_AT:,} customers, linear in the customers through {estimate[0]:,} and"
            f" {runs[0][1]['customers']:,}. It holds for the models whose memory grows with the"
            " customers (what they read whole) and overstates those that read a sample (their"
            " peak grows only with DuckDB's cache of the warehouse, which the line carries on)."
        )
    header, lines = learning_table(runs)
    results.text(
        "The learning steps (the target: at most 30 s at 1.3 M customers): the control group, the"
        " measured effect of past campaigns, the realized accuracy of earlier scores, and the"
        " models that carry them to the history and the report; the month's history files and"
        " the report's sections measured again apart, in the script's process, on the published"
        " release (the refresh times them within its publish and report steps). "
        + " ".join(f"{label}: {measured['label']}." for label, measured in runs)
        + " CPU seconds of a dbt model are the whole tree's while it ran (they include a model"
        " running beside it); those of the steps measured apart are the script's own."
    )
    results.table(header, lines)
    path = results.write(done=done)
    print(f"(written to {path})")


def outcomes_month(project: Path, delivery: Path, work: Path, fmt: str) -> dict:
    """The month when the outcomes of the published month's campaign arrive (M+h, h the
    target's horizon, var profit_at_risk_months): drawn by one_click.synth from the delivery
    and the published campaign assignment (no effect planted: the time does not depend on
    it), then refreshed in score mode (`make score`: the kept model scores the month), so that
    the campaign's measured effect and the realized accuracy are computed on every customer."""
    import duckdb

    from one_click import monthly, synth
    from one_click.project import setting

    horizon = int(setting("profit_at_risk_months"))
    # the published campaign assignment, its month read from its folder (Hive partitioning)
    files = project / "warehouse" / "history" / f"{monthly.PARTITION}*" / monthly.ASSIGNMENT_FILE
    with duckdb.connect() as con:
        assignments = con.sql(
            f"select month, customer_id, arm, action_code from read_parquet('{files}', "
            "hive_partitioning = true, hive_types = {'month': varchar})"
        ).df()
    later = work / f"{delivery.name}_later"
    shutil.rmtree(later, ignore_errors=True)
    drawn = time.monotonic()
    [(month, directory)] = synth.generate_next(
        delivery,
        later,
        ahead=(horizon,),
        fmt=fmt,
        seed=42,
        assignments=assignments,
    ).items()
    print(f"\n{month}, {horizon} months on, drawn in {time.monotonic() - drawn:.0f} s")
    measured = run_refresh(project, directory, "--month", month, "--score")
    measured["label"] = (
        f"{month}, {horizon} months on, when the outcomes arrive, scored by the kept model"
        " (`--score`)"
    )
    measured["apart"] = learning_apart(project)
    shutil.rmtree(later, ignore_errors=True)
    return measured


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
