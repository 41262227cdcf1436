"""How large an effect a campaign's control group can detect at 1.3 k, 130 k and 1.3 M customers.

    python scripts/benchmark_effects.py [WAREHOUSE] [--sizes N ...]

The minimal detectable effect (one_click.stats: 80 % power, 5 % two-sided, two proportions) of a
campaign over the contact list of a month of N customers, var holdout_share of it held back as
control. The list's share of the customers and its base decline rate (the mean decline
probability of the customers on it, what the control group's decline rate estimates) are
measured in WAREHOUSE (default: the published warehouse/one_click.duckdb): the campaign's
assignment when the warehouse has one, else its contact list. Without a warehouse, every customer
is taken to be on the list at the delivered decline share (the seeds'), and the table says so.
Written to docs/benchmarks/effects.md as well.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_results import PROJECT_DIR, Results  # noqa: E402

from one_click import stats, synth  # noqa: E402
from one_click.project import setting  # noqa: E402

SIZES = (1_300, 130_000, 1_300_000)
LISTS = ("marketing.campaign_assignment", "marketing.contact_list")


def measured(warehouse: Path) -> tuple[float, float, str]:
    """(the list's share of the customers, its base decline rate, where they come from)."""
    if warehouse.is_file():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            tables = {
                f"{schema}.{name}"
                for schema, name in con.sql(
                    "select table_schema, table_name from information_schema.tables"
                ).fetchall()
            }
            listed = next((t for t in LISTS if t in tables), None)
            if listed is not None and "ml.customer_scores" in tables:
                customers = con.sql("select count(*) from ml.customer_scores").fetchone()[0]
                size, base = con.sql(
                    f"select count(*), avg(decline_probability) from {listed}"
                ).fetchone()
                return size / customers, float(base), f"measured in {warehouse} ({listed})"
    layout = synth.Layout.from_project()
    frame = synth.customer_table(PROJECT_DIR / "seeds")
    base = float((frame[layout.target] == layout.target_labels[0]).mean())
    return 1.0, base, f"assumed (no contact list in {warehouse}): every customer listed, at the "
    "delivered decline share"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "warehouse", nargs="?", type=Path, default=PROJECT_DIR / "warehouse" / "one_click.duckdb"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    args = parser.parse_args(argv)
    holdout = float(setting("holdout_share"))
    share, base, source = measured(args.warehouse)
    rows = []
    for customers in args.sizes:
        listed = round(share * customers)
        contacted, control = stats.holdout_split(listed, holdout)
        mde = stats.minimal_detectable_effect(base, contacted, control)
        rows.append(
            [
                f"{customers:,}",
                f"{listed:,}",
                f"{contacted:,}",
                f"{control:,}",
                f"{100 * mde:.1f} points",
            ]
        )
    results = Results("effects", "The minimal detectable effect of a campaign")
    results.text(
        f"80 % power, 5 % two-sided, two proportions (one_click.stats); control group: var "
        f"holdout_share = {holdout:g} of the contact list; the list: {100 * share:.1f} % of the "
        f"customers, base decline rate {base:.3f}: {source}."
    )
    header = ["customers", "on the list", "contacted", "control", "minimal detectable effect"]
    results.table(header, rows)
    print(f"Minimal detectable effect ({source}):")
    for row in [header, *rows]:
        print("  " + "  ".join(cell.rjust(12) for cell in row))
    print(f"written to {results.write(done=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
