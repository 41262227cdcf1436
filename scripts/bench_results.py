"""The results file of a benchmark script: what it measured, as markdown under docs/benchmarks/.

Every benchmark script prints its tables and also writes them here, headed by the date, the
machine (cores as nproc counts them, memory, the load when the run started), the commit and the
command, so the docs link to measured figures instead of copying them by hand. Each run rewrites
its file (docs/benchmarks/<name>.md, or the one named by the script's `--results`).

    results = Results("scale", "The full refresh at scale")
    results.text("CSV deliveries")
    results.table(["customers", "total"], [["1,300", "127 s"]])
    results.write(done=True)
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
RESULTS_DIR = PROJECT_DIR / "docs" / "benchmarks"


def _memory_gib() -> float:
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def machine() -> str:
    cores = len(os.sched_getaffinity(0))
    return (
        f"{cores} cores (nproc), {_memory_gib():.1f} GiB memory,"
        f" load average {os.getloadavg()[0]:.1f} when the run started"
    )


def commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    if done.returncode != 0:
        return "unknown (not a git checkout)"
    dirty = subprocess.run(
        # the results files themselves left aside: an earlier benchmark of the run rewrote them
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/benchmarks"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return done.stdout.strip() + (" with uncommitted changes" if dirty else "")


def script() -> str:
    path = Path(sys.argv[0]).resolve()
    return str(path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path)


def command() -> str:
    return shlex.join(["python", script(), *sys.argv[1:]])


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table; every column but the first aligned right (they hold figures)."""
    cells = [header, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        padded = [
            value.ljust(width) if i == 0 else value.rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "| " + " | ".join(
        "-" * width if i == 0 else "-" * (width - 1) + ":" for i, width in enumerate(widths)
    )
    return [line(header), rule + " |", *(line(row) for row in rows)]


class Results:
    """The markdown file of one run; write() rewrites it whole (after every step, so a run
    stopped half-way leaves what it measured, marked incomplete)."""

    def __init__(self, name: str, title: str, path: Path | None = None) -> None:
        self.path = path or RESULTS_DIR / f"{name}.md"
        self.title = title
        self.started = datetime.now(UTC)
        self.machine, self.commit, self.command = machine(), commit(), command()
        self.blocks: list[list[str]] = []

    def clear(self) -> None:
        self.blocks.clear()

    def text(self, *lines: str) -> None:
        self.blocks.append(list(lines))

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        self.blocks.append(markdown_table(header, rows))

    def write(self, done: bool = False) -> Path:
        head = [
            f"# {self.title}",
            "",
            f"Written by `{script()}` with the command below; the next run rewrites it.",
            "",
            f"- date: {self.started:%Y-%m-%d %H:%M} UTC",
            f"- machine: {self.machine}",
            f"- commit: {self.commit}",
            f"- command: `{self.command}`",
        ]
        if not done:
            head.append("- incomplete: the run stopped (or was still running) after these figures")
        body = [line for block in self.blocks for line in ["", *block]]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text("\n".join(head + body) + "\n", encoding="utf-8")
        partial.replace(self.path)
        return self.path
