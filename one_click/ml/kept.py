"""Score mode: what the kept model was published with, read from its release.

`make score` (refresh --score) scores a delivery with the kept model of the published
warehouse instead of searching and training. The record of the search that selected it
(ml.candidate_search) and its leaderboard (ml.model_leaderboard) are the kept model's own: they
are read, unchanged, from the published warehouse file of the model's release (var
kept_warehouse, passed by the refresh), opened read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def kept_table(warehouse, relation: str) -> pd.DataFrame:
    """Every row of `relation` (schema.table) of the published warehouse file, read-only."""
    path = Path(str(warehouse))
    if not str(warehouse) or not path.is_file():
        raise FileNotFoundError(
            f"score mode: no published warehouse at {warehouse!r} to read {relation} from; "
            "run a full refresh first (make build)"
        )
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(f"select * from {relation}").df()
