"""The project's settings, as dbt_project.yml defines them once under `vars:`.

The shop's files and vocabulary, the thresholds and the list of segments are written once, as dbt
vars. SQL reads them with var(); the dbt Python models get them through their meta config, which
dbt renders from the same vars; Python outside dbt (validation, scoring a batch by hand) reads
them here. Nothing in the package keeps a copy or a fallback
(tests/python/test_one_source.py fails if one appears).
"""

from __future__ import annotations

import ast
import functools
import os
from pathlib import Path
from typing import Any

import yaml

PROJECT_FILE = "dbt_project.yml"


def project_dir() -> Path:
    """The dbt project: $ONE_CLICK_HOME when set, else the checkout this package lives in."""
    home = os.environ.get("ONE_CLICK_HOME")
    return Path(home).resolve() if home else Path(__file__).resolve().parent.parent


@functools.cache
def _load(path: Path) -> dict[str, Any]:
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return config


def project_config(project: Path | None = None) -> dict[str, Any]:
    """dbt_project.yml as a dict."""
    path = (project or project_dir()) / PROJECT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no dbt project here (set ONE_CLICK_HOME to the project)")
    return _load(path.resolve())


def project_vars(project: Path | None = None) -> dict[str, Any]:
    """The project's vars (dbt_project.yml `vars:`)."""
    return project_config(project).get("vars") or {}


def setting(name: str, project: Path | None = None) -> Any:
    """One var; a KeyError names it and the file when it is not defined (there is no default)."""
    settings = project_vars(project)
    if name not in settings:
        raise KeyError(f"var {name!r} is not defined in {PROJECT_FILE} (vars:)")
    return settings[name]


def risk_band_cutoffs(project: Path | None = None) -> dict[str, float]:
    """{'high': var risk_band_high, 'medium': var risk_band_medium}."""
    return {
        "high": float(setting("risk_band_high", project)),
        "medium": float(setting("risk_band_medium", project)),
    }


def meta_list(value) -> list[str]:
    """A list var as a dbt Python model reads it from its meta: dbt renders `{{ var('x') }}` to
    the list's text (`['high', 'medium']`), or passes a list."""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    parsed = ast.literal_eval(str(value))
    if not isinstance(parsed, list | tuple):
        raise ValueError(f"expected a list in the model's meta, got {value!r}")
    return [str(item) for item in parsed]
