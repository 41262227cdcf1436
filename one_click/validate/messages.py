"""What validation reports: a Problem names the file, the column and the problem; a Report holds
them, errors before warnings. Row-level findings are grouped per file, column and kind, with the
count and up to EXAMPLES_PER_PROBLEM examples, named by CSV line or Parquet row (_Unit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]

EXAMPLES_PER_PROBLEM = 5
MAX_PROBLEMS = 40


@dataclass(frozen=True)
class Problem:
    file: str
    column: str | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f'{self.file}, column "{self.column}"' if self.column else self.file
        return f"{where}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self, limit: int = MAX_PROBLEMS) -> str:
        """The errors, then the warnings, one per line, at most `limit` lines of problems."""
        lines = []
        for label, problems in (("error", self.errors), ("warning", self.warnings)):
            for problem in problems[:limit]:
                lines.append(f"  - {label}: {problem}")
            if len(problems) > limit:
                lines.append(f"  - ... and {len(problems) - limit} more {label}s")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Unit:
    """How a file names its rows: CSV lines (1 = the header) or Parquet rows (1 = the first)."""

    one: str
    many: str
    names: str  # where the column names are


_LINES = _Unit("line", "lines", "header")
_ROWS = _Unit("row", "rows", "schema")


class _Problems:
    """Problems of the whole file (in the order found), then the grouped row-level findings."""

    def __init__(self) -> None:
        self.direct: list[Problem] = []
        self.groups: list[Problem] = []

    def add(self, file: str, column: str | None, message: str, severity: Severity = "error"):
        self.direct.append(Problem(file, column, message, severity))

    def group(
        self,
        file: str,
        column: str | None,
        what: str,
        count: int,
        items: list[str],
        single: str,
        unit: _Unit,
        severity: Severity = "error",
    ) -> None:
        """`count` findings of kind `what`: `single` says the first alone, `items` list some."""
        if count == 1:
            message = single
        else:
            shown = ", ".join(items[:EXAMPLES_PER_PROBLEM])
            more = count - EXAMPLES_PER_PROBLEM
            message = f"{what}; {count} {unit.many}: {shown}" + (
                f" and {more} more" if more > 0 else ""
            )
        self.groups.append(Problem(file, column, message, severity))

    def report(self) -> Report:
        return Report(self.direct + self.groups)
