"""Time one_click.validate on a large delivery: the delivered seeds tiled with new ids.

    .venv/bin/python scripts/benchmark_validate.py [--customers 1300000] [--keep DIR]

Writes a valid delivery of about N customers (the seeds repeated, each copy's ids prefixed with
the copy's number, byte for byte in the delivered CSV format) into a temp dir, then the same
delivery as Parquet, validates each in a fresh process and prints customers, lines (CSV) or
rows (Parquet), wall seconds and the validating process's peak RSS (ru_maxrss).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from one_click.project import setting  # noqa: E402
from one_click.validate import seeds_dir, validate_delivery  # noqa: E402


def _split(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(header, data lines each ending with the file's line end, the line end)."""
    end = b"\r\n" if b"\r\n" in data else b"\n"
    header, body = data.split(end, 1)
    if not body.endswith(end):
        body += end
    return header, body, end


def write_csv_delivery(target: Path, copies: int) -> int:
    """The seeds `copies` times over; copy k prefixes every id with k (so ids stay unique)."""
    lines = 0
    for table in setting("shop_files"):
        name = f"{table}.csv"
        header, body, end = _split((seeds_dir() / name).read_bytes())
        rows = body[: -len(end)].split(end)
        with (target / name).open("wb") as out:
            out.write(header + end)
            for copy in range(1, copies + 1):
                prefix = str(copy).encode()
                out.write(prefix + (end + prefix).join(rows) + end)
        lines += 1 + copies * len(rows)
    return lines


def write_parquet_delivery(source: Path, target: Path) -> int:
    """The CSV delivery as Parquet, typed as var shop_files declares."""
    import duckdb

    rows = 0
    con = duckdb.connect()
    for table, spec in setting("shop_files").items():
        columns = ", ".join(f"'{c}': '{t}'" for c, t in spec["columns"].items())
        csv_path, parquet_path = source / f"{table}.csv", target / f"{table}.parquet"
        con.execute(
            f"copy (select * from read_csv('{csv_path}', header = true, "
            f"delim = '{spec['separator']}', decimal_separator = '{spec['decimal']}', "
            f"columns = {{{columns}}})) to '{parquet_path}' (format parquet)"
        )
        rows += con.execute(f"select count(*) from '{parquet_path}'").fetchone()[0]
    return rows


def _child(directory: str) -> None:
    started = time.perf_counter()
    report = validate_delivery(directory)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    result = {"seconds": seconds, "peak_mib": peak / 1024, "errors": len(report.errors)}
    result["warnings"] = len(report.warnings)
    if report.problems:
        result["problems"] = report.format(limit=5)
    print(json.dumps(result))


def _measure(directory: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(directory)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_300_000)
    parser.add_argument("--keep", type=Path, help="write the deliveries here and keep them")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return 0
    seeds_customers = (seeds_dir() / "market_file.csv").read_bytes().count(b"\n") - 1
    copies = math.ceil(args.customers / seeds_customers)
    with tempfile.TemporaryDirectory(prefix="benchmark_validate_") as scratch:
        root = args.keep or Path(scratch)
        as_csv, as_parquet = root / "csv", root / "parquet"
        as_csv.mkdir(parents=True, exist_ok=True)
        as_parquet.mkdir(parents=True, exist_ok=True)
        lines = write_csv_delivery(as_csv, copies)
        rows = write_parquet_delivery(as_csv, as_parquet)
        customers = copies * seeds_customers
        failed = False
        for label, directory, count in (("CSV", as_csv, lines), ("Parquet", as_parquet, rows)):
            result = _measure(directory)
            unit = "lines" if label == "CSV" else "rows"
            print(
                f"{label:8} {customers:,} customers, {count:,} {unit}: "
                f"{result['seconds']:.1f} s, peak RSS {result['peak_mib']:.0f} MiB, "
                f"{result['errors']} error(s), {result['warnings']} warning(s)"
            )
            if result["errors"]:
                print(result["problems"])
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
