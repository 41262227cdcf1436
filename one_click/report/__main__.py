"""Command line: `python -m one_click.report --warehouse <file.duckdb> --output-dir <dir>`.

Writes report.html (Russian), report.en.html (English), their technical pages technical.html and
technical.en.html, and the contact lists contact_list.csv and contact_list.en.csv into the
directory. Exit code 0 when they are written, 1 when the
warehouse or a table or column the report needs is missing (the message names each), 2 on wrong
arguments. Every section is required; only `--draft`, while tables are still being built,
renders without them.
"""

from __future__ import annotations

import argparse
import sys
import time

from one_click.report.data import WarehouseError
from one_click.report.render import render


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
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        paths = render(args.warehouse, args.output_dir, strict=not args.draft)
    except WarehouseError as error:
        print(f"report not rendered: {error}", file=sys.stderr)
        return 1
    names = ", ".join(path.name for path in paths)
    print(f"report written to {args.output_dir}: {names} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
