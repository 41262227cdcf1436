"""Command line: `python -m one_click.report --warehouse <file.duckdb> --output-dir <dir>`.

Writes report.html (Russian), report.en.html (English), their technical pages technical.html and
technical.en.html, and the contact lists contact_list.csv and contact_list.en.csv into the
directory. Exit code 0 when they are written, 1 when the
warehouse or a table or column the report needs is missing (the message names each), 2 on wrong
arguments. Every section is required; only `--draft`, while tables are still being built,
renders without them.

The warehouse is read once; the languages are then rendered at the same time, each in a process
forked from the one that read it (the figures are drawn once per language, single-threaded), as
many at a time as there are cores (`--jobs`, default: the cores this process may use).

With `--wait` it imports what it needs, then waits for a line on standard input before it reads
the warehouse, and exits with nothing done (code 0) if standard input closes first: the refresh
starts it so while dbt builds the warehouse, so that the imports are done by then.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

from one_click.i18n import REPORT_LANGUAGES, Language
from one_click.report.data import ReportData, WarehouseError, load
from one_click.report.render import render_language

# what the forked processes render from: set once in each by the pool's initializer (with fork,
# the initializer's arguments are inherited, not pickled)
_shared: dict = {}


def _share(data: ReportData, directory: Path) -> None:
    _shared.update(data=data, directory=directory)


def _render_shared(language: Language) -> list[Path]:
    return render_language(_shared["data"], language, _shared["directory"])


def render_parallel(
    warehouse: str | Path, output_dir: str | Path, *, strict: bool = True, jobs: int = 0
) -> list[Path]:
    """What render() writes, with the languages rendered in forked processes, `jobs` at a time
    (0: one per core); the warehouse is read once, before the fork."""
    data = load(warehouse, strict=strict)
    directory = Path(output_dir)
    directory.mkdir(parents=True, exist_ok=True)
    jobs = min(len(REPORT_LANGUAGES), jobs or len(os.sched_getaffinity(0)))
    if jobs < 2:
        return [path for lg in REPORT_LANGUAGES for path in render_language(data, lg, directory)]
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, initializer=_share, initargs=(data, directory)) as pool:
        written = pool.map(_render_shared, REPORT_LANGUAGES, chunksize=1)
    return [path for paths in written for path in paths]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m one_click.report",
        allow_abbrev=False,  # no `--output` taken for --output-dir
        description="Render the churn report of a warehouse, in Russian and in English, each one "
        "self-contained HTML file, with the contact lists beside them.",
    )
    parser.add_argument("--warehouse", required=True, help="the DuckDB file to report on")
    parser.add_argument("--output-dir", required=True, help="the directory to write them to")
    parser.add_argument(
        "--draft",
        action="store_true",
        help="for development only: mark the sections whose tables are missing 'not built yet' "
        "instead of failing",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait for a line on standard input before reading the warehouse (exit if it closes)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=0,
        help="languages rendered at the same time (default: one per core; 1: one after another)",
    )
    args = parser.parse_args(argv)
    if args.wait and not sys.stdin.readline().strip():
        return 0  # standard input closed: the warehouse was not built
    started = time.perf_counter()
    try:
        paths = render_parallel(
            args.warehouse, args.output_dir, strict=not args.draft, jobs=args.jobs
        )
    except WarehouseError as error:
        print(f"report not rendered: {error}", file=sys.stderr)
        return 1
    names = ", ".join(path.name for path in paths)
    print(f"report written to {args.output_dir}: {names} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
