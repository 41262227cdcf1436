"""Customers to score, as customers.customer_features holds them, from anywhere.

    from one_click.customers import from_delivery, from_warehouse

    customers = from_warehouse()               # the published warehouse's customers
    customers = from_delivery("path/to/dir")   # a new delivery: the four files, CSV or Parquet

`from_delivery` validates the files (one_click.validate) and builds them with the project's own
SQL (`dbt build -s +customer_features` into a scratch warehouse), so every fix and every derived
column is the one the refresh makes. `derive` recomputes the derived columns (var
derived_features, one DuckDB expression each, the same expressions customer_features uses) of a
frame built by other means: a derived column is never taken on trust.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from one_click.layout import WAREHOUSE_FILE, published
from one_click.log import get_logger
from one_click.project import project_dir, setting

FEATURES_TABLE = "customers.customer_features"


class DeliveryRefused(ValueError):
    """The delivered files do not pass validation (the message lists the problems)."""


def from_warehouse(path: str | Path | None = None) -> pd.DataFrame:
    """customers.customer_features of a warehouse file (default: the project's published one),
    read read-only, in customer_id order."""
    path = Path(path) if path else published(project_dir())
    if not path.is_file():
        raise FileNotFoundError(f"no warehouse at {path}: run `make build` first")
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(f"select * from {FEATURES_TABLE} order by customer_id").df()


def from_delivery(directory: str | Path, project: Path | None = None) -> pd.DataFrame:
    """The customers of a delivery (the four files, CSV as delivered or Parquet), cleaned and
    derived by the project's SQL, as customers.customer_features would hold them."""
    from one_click.validate import delivered_files, validate_delivery

    project = project or project_dir()
    directory = Path(directory).resolve()
    report = validate_delivery(directory, project)
    if not report.ok:
        raise DeliveryRefused(f"{directory}: the delivery is refused:\n{report.format()}")
    formats = {t: p.suffix.lstrip(".") for t, p in delivered_files(directory, project).items()}
    variables = json.dumps({"delivery_dir": str(directory), "delivery_formats": formats})
    with tempfile.TemporaryDirectory(prefix="one_click_customers_") as scratch:
        database = Path(scratch) / WAREHOUSE_FILE
        env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
        env.update(
            DO_NOT_TRACK="1",
            DBT_PROFILES_DIR=str(project),
            ONE_CLICK_HOME=str(project),
            ONE_CLICK_WAREHOUSE=str(database),
        )
        dbt = Path(sys.executable).parent / "dbt"
        command = [str(dbt), "build", "-s", "+customer_features", "--vars", variables]
        command += ["--project-dir", str(project), "--target-path", str(Path(scratch) / "target")]
        command += ["--log-path", str(Path(scratch) / "logs")]
        done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join(done.stdout.splitlines()[-15:])
            raise RuntimeError(f"dbt could not build the customers of {directory}:\n{tail}")
        return from_warehouse(database)


def derive(customers: pd.DataFrame) -> pd.DataFrame:
    """The frame with its derived columns (var derived_features) computed from the delivered
    ones. A derived column the frame brings and that disagrees is replaced, with a warning."""
    expressions = setting("derived_features")
    incoming = customers.drop(columns=[c for c in expressions if c in customers.columns])
    selected = ", ".join(f"{expression} as {name}" for name, expression in expressions.items())
    with duckdb.connect() as con:
        con.register("incoming", incoming)
        derived = con.sql(f"select {selected} from incoming").df()
    derived.index = customers.index
    for name in expressions:
        if name in customers.columns:
            given = pd.to_numeric(customers[name], errors="coerce").astype(float)
            computed = derived[name].astype(float)
            # a float sum in another order may differ in the last bit: that still follows
            same = np.isclose(given, computed, rtol=1e-12, atol=0) | (given == computed)
            differs = ~(same | (given.isna() & computed.isna()))
            if differs.any():
                get_logger().warning(
                    f"{name} does not follow from the delivered columns ({expressions[name]}) "
                    f"for {int(differs.sum())} of {len(customers)} customers: recomputed"
                )
    result = pd.concat([incoming, derived], axis=1)
    order = [*customers.columns, *(c for c in derived.columns if c not in customers.columns)]
    return result[order]
