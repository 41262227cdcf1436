"""Command line: `python -m one_click.report --warehouse <file.duckdb> --output <file.html>`.

Exit code 0 when the report is written, 1 when the warehouse or a table or column the report
needs is missing (the message names each), 2 on wrong arguments. Every section is required;
only `--draft`, while tables are still being built, renders without them.
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
        description="Render the churn report of a warehouse to one self-contained HTML file.",
    )
    parser.add_argument("--warehouse", required=True, help="the DuckDB file to report on")
    parser.add_argument("--output", required=True, help="the HTML file to write")
    parser.add_argument(
        "--draft",
        action="store_true",
        help="for development only: mark the sections whose tables are missing 'not built yet' "
        "instead of failing",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        path = render(args.warehouse, args.output, strict=not args.draft)
    except WarehouseError as error:
        print(f"report not rendered: {error}", file=sys.stderr)
        return 1
    print(f"report written to {path} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
