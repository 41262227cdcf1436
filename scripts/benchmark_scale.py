"""The full refresh at the size of a real customer base: wall time per phase and peak memory.

    .venv/bin/python scripts/benchmark_scale.py [--sizes 1300 13000 130000 1300000]
                                                [--format csv|parquet] [--keep DIR]

For each size it generates a synthetic delivery (one_click.synth, seed 42), runs the refresh on it
(`python -m one_click.refresh --delivery DIR`, exactly what `make build DELIVERY=DIR` runs) in a
scratch copy of the project, and prints one table: the wall time of every phase, the total, the
peak memory, and the seconds per 1,000 customers relative to the smallest size.

Phases: validate, docs, report and publish are the refresh's own steps (timed from its output);
the dbt build is split by what its Python models do, from dbt's run_results.json, as the wall time
during which at least one model of the group ran: model selection (the sample, the nested search,
leaderboard, calibration, the kept model), scoring, reasons (SHAP, importance, the retention
list's reasons) and segments (profiles and recommendations); sql is the rest of the dbt build
(staging to marts, the marketing and segment SQL, the reporting views, every data and unit test,
and dbt's parsing).

Peak memory is sampled from /proc every 0.2 s: the largest total RSS of the refresh and all its
child processes at any instant.

The table is also written, after every size, to docs/benchmarks/scale-<format>.md (or --results
FILE) with the date, the machine and the command (scripts/bench_results.py).
"""

from __future__ import annotations

import argparse
import json
import os
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


class PeakMemory(threading.Thread):
    """The largest total RSS of a process and its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._finished = pid, 0, threading.Event()

    def _tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
                rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, IndexError, ValueError):
                continue
        total, todo = 0, [self.pid]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total

    def run(self) -> None:
        while not self._finished.is_set():
            self.peak = max(self.peak, self._tree_rss())
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


def dbt_phases(run_results: Path) -> dict[str, float]:
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
    return {phase: _union_seconds(spans) for phase, spans in intervals.items()}


def run_results(project: Path) -> Path:
    return project / "warehouse" / ".dbt-target" / "build_run_results.json"


def run_refresh(project: Path, delivery: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ONE_CLICK_"))}
    env.update(DO_NOT_TRACK="1", ONE_CLICK_HOME=str(project), DBT_PROFILES_DIR=str(project))
    log = project / "refresh.log"
    started = time.monotonic()
    marks: dict[int, float] = {}
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "one_click.refresh", "--delivery", str(delivery)],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        memory = PeakMemory(process.pid)
        memory.start()
        for line in process.stdout:
            out.write(line)
            if line.startswith("== ") and "/" in line:
                marks[int(line[3 : line.index("/")])] = time.monotonic()
        code = process.wait()
        peak = memory.stop()
    finished = time.monotonic()
    if code != 0:
        raise SystemExit(f"the refresh failed (exit {code}); its output: {log}")
    steps = {}
    for number, name in STEP_NAMES.items():
        end = marks.get(number + 1, finished)
        steps[name] = end - marks[number]
    phases = {k: v for k, v in dbt_phases(run_results(project)).items() if k != "sql"}
    # sql: the rest of the dbt build's wall time (SQL models, data and unit tests, parsing)
    phases["sql"] = max(0.0, steps["dbt build"] - sum(phases.values()))
    phases.update(
        validate=steps["validate"],
        report=steps["report"],
        docs=steps["docs"],
        publish=steps["publish"] + steps["verify"],
    )
    return {"phases": phases, "total": finished - started, "peak_rss": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--keep", type=Path, help="work here and keep it (default: a temp dir)")
    parser.add_argument(
        "--results",
        type=Path,
        help="the markdown file written (default: docs/benchmarks/scale-<format>.md)",
    )
    args = parser.parse_args()
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
