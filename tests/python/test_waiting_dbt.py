"""one_click.waiting_dbt: dbt started ahead waits for its arguments, runs them as `dbt` would
(the same exit codes), and does nothing if it is never told to go."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from one_click import waiting_dbt


def _waiting(line: str | None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Start it, then send `line` (None: close standard input with nothing sent)."""
    return subprocess.run(
        [sys.executable, "-m", "one_click.waiting_dbt"],
        input="" if line is None else line + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_never_told_to_go_it_exits_with_nothing_done():
    done = _waiting(None)
    assert done.returncode == waiting_dbt.SUCCESS
    assert "dbt" not in done.stdout


def test_arguments_that_are_not_a_list_of_strings_are_refused():
    done = _waiting(json.dumps({"docs": "generate"}))
    assert done.returncode == waiting_dbt.ERROR
    assert "JSON list of strings" in done.stderr


def test_it_runs_dbt_with_the_arguments_it_is_sent():
    done = _waiting(json.dumps(["--version"]))
    assert done.returncode == waiting_dbt.SUCCESS
    assert "Core:" in done.stdout or "installed:" in done.stdout


def test_a_command_dbt_cannot_run_exits_with_dbts_error_code(tmp_path):
    done = _waiting(json.dumps(["no-such-command"]), cwd=tmp_path)
    assert done.returncode == waiting_dbt.ERROR
    assert "no-such-command" in done.stderr
