"""Checks of a built warehouse file before it is published: no write-ahead log left, a storage
format the analysts' DuckDB 1.5 CLI reads, and that CLI opening it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# The storage format (main header version) the analysts' duckdb-cli 1.5.x reads: 64 is the format
# of DuckDB 0.10 up to 1.5 when storage_compatibility_version is left at its default.
READABLE_STORAGE_VERSIONS = frozenset({64})


class UnreadableWarehouse(ValueError):
    """The file is not one analysts can open."""


def storage_version(database: Path) -> int:
    with open(database, "rb") as handle:
        header = handle.read(20)
    if header[8:12] != b"DUCK":
        raise UnreadableWarehouse("not a DuckDB file (no DUCK magic in the header)")
    return int.from_bytes(header[12:20], "little")


def cli_path() -> Path:
    """The duckdb-cli installed beside this Python (the analysts' version)."""
    return Path(sys.executable).parent / "duckdb"


def check(database: Path) -> str:
    """Checkpoint the file, check its storage version and open it in the CLI; a summary line.

    Raises UnreadableWarehouse naming the problem.
    """
    if not database.is_file():
        raise UnreadableWarehouse("dbt build passed but wrote no warehouse file")
    import duckdb

    # opening and closing read-write checkpoints anything left in the write-ahead log
    duckdb.connect(str(database)).close()
    wal = database.with_name(database.name + ".wal")
    if wal.exists():
        raise UnreadableWarehouse(
            f"a write-ahead log ({wal.name}) is left beside the file after a checkpoint"
        )
    try:
        version = storage_version(database)
    except OSError as error:
        raise UnreadableWarehouse(str(error)) from None
    if version not in READABLE_STORAGE_VERSIONS:
        raise UnreadableWarehouse(
            f"storage version {version} is not one the analysts' DuckDB 1.5 CLI reads "
            f"({sorted(READABLE_STORAGE_VERSIONS)}); check storage_compatibility_version"
        )
    cli = cli_path()
    if cli.exists():
        opened = subprocess.run(
            [str(cli), "-readonly", str(database), "-c", "select count(*) from duckdb_tables()"],
            capture_output=True,
            text=True,
        )
        if opened.returncode != 0:
            problem = opened.stderr.strip()[:300]
            raise UnreadableWarehouse(f"the DuckDB CLI cannot open it: {problem}")
    opens = "opens in the DuckDB CLI" if cli.exists() else "(no DuckDB CLI here to try it)"
    return f"storage version {version}, {opens}"
