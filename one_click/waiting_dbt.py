"""`python -m one_click.waiting_dbt`: a dbt command, started ahead of its turn.

It imports dbt (some two seconds), then waits for one line on standard input: the command's
arguments as a JSON list (["docs", "generate", ...]). It runs them as `dbt ARGS` would (dbt's
own programmatic entry, dbtRunner) and exits with dbt's exit codes: 0 done, 1 failed (a test, a
model), 2 dbt could not run. If standard input closes with no line, it exits (code 0) with
nothing done. The refresh starts its docs this way before its dbt build, so that the docs step
does not wait for dbt's imports; the arguments (the vars) are known only when the build is done.
"""

from __future__ import annotations

import json
import sys

from dbt.utils.utils import ExitCodes

# what `dbt ARGS` itself would return
SUCCESS, FAILURE, ERROR = ExitCodes.Success, ExitCodes.ModelError, ExitCodes.UnhandledError


def run(args: list[str]) -> int:
    """Run dbt with args in this process; dbt's exit code."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(args)
    if result.exception is not None:
        print(f"dbt could not run: {result.exception}", file=sys.stderr)
        return ERROR
    return SUCCESS if result.success else FAILURE


def main() -> int:
    import dbt.cli.main  # noqa: F401  the imports, done while waiting

    line = sys.stdin.readline().strip()
    if not line:
        return SUCCESS
    args = json.loads(line)
    if not isinstance(args, list) or not all(isinstance(arg, str) for arg in args):
        print(f"expected dbt's arguments as a JSON list of strings, got: {line}", file=sys.stderr)
        return ERROR
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
