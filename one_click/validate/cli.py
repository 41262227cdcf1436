"""The command line: `python -m one_click.validate [DIR] [--score]`."""

from __future__ import annotations

import argparse
from pathlib import Path

import one_click.validate
from one_click.validate.delivery import seeds_dir, validate_delivery


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m one_click.validate",
        description=one_click.validate.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("directory", nargs="?", type=Path, help="default: the seed directory")
    parser.add_argument(
        "--score",
        action="store_true",
        help="the delivery is only scored (refresh --score): it need not be able to train",
    )
    args = parser.parse_args(argv)
    directory = args.directory or seeds_dir()
    report = validate_delivery(directory, mode="score" if args.score else "train")
    if report.problems:
        print(report.format())
    print(f"{directory}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)")
    return 0 if report.ok else 1
