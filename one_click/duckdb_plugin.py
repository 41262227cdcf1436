"""dbt-duckdb plugin of the project (profiles.yml `plugins:`): creates the warehouse file's folder.

DuckDB creates a database file but not the folder it goes in, so a plain `dbt build` in a fresh
clone would stop at the first connection (`IO Error: Cannot open file
".../warehouse/candidate/one_click.duckdb": No such file or directory`). dbt-duckdb initialises
its plugins before it opens that connection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        path = getattr(self.creds, "path", None)
        if path and path != ":memory:" and not path.startswith(("md:", "motherduck:")):
            Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
