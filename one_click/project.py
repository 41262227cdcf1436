"""The project's settings, as dbt_project.yml defines them once under `vars:`.

The shop's files and vocabulary, the thresholds and the list of segments are written once, as dbt
vars. SQL reads them with var(). The dbt Python models get them through their meta config, which
dbt renders from the same vars (so `dbt build --vars` reaches them), and pass them to the package
as arguments: nothing the dbt models call reads this file. Python outside dbt (the refresh,
validation, the synthetic delivery, the report, scoring a batch by hand) reads a var with
setting(). Nothing in the package keeps a copy or a fallback
(tests/python/test_one_source.py fails if one appears); the meta_* functions read a var's text
as dbt renders it into meta.
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


def risk_bands(project: Path | None = None) -> dict[str, float]:
    """The risk bands (var risk_bands), riskiest first: name -> the lowest probability in the
    band, checked by check_risk_bands."""
    return check_risk_bands(setting("risk_bands", project))


def check_risk_bands(bands) -> dict[str, float]:
    """The bands as an ordered {name: lowest probability}, from the var or its text in a dbt
    model's meta; a ValueError says what is wrong: at least two bands, riskiest first (lowest
    probabilities strictly decreasing, the first below 1) and the last starting at 0."""
    if not isinstance(bands, dict):
        bands = ast.literal_eval(str(bands))
    if not isinstance(bands, dict) or len(bands) < 2:
        raise ValueError(f"var risk_bands: expected two bands or more, {{name: lowest}}: {bands!r}")
    bands = {str(name): float(lowest) for name, lowest in bands.items()}
    lowest = list(bands.values())
    decreasing = all(a > b for a, b in zip(lowest, lowest[1:], strict=False))
    if not (lowest[0] < 1 and lowest[-1] == 0 and decreasing):
        raise ValueError(
            "var risk_bands: the bands go riskiest first, their lowest probabilities strictly "
            f"decreasing from below 1 to 0; got {bands}"
        )
    return bands


def meta_flag(value) -> bool:
    """A boolean var as a dbt Python model reads it from its meta: dbt renders
    `{{ var('x') }}` to 'True' or 'False' (or passes a bool)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"expected true or false in the model's meta, got {value!r}")
    return text == "true"


def meta_list(value) -> list[str]:
    """A list var as a dbt Python model reads it from its meta: dbt renders `{{ var('x') }}` to
    the list's text (`['high', 'medium']`), or passes a list."""
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    parsed = ast.literal_eval(str(value))
    if not isinstance(parsed, list | tuple):
        raise ValueError(f"expected a list in the model's meta, got {value!r}")
    return [str(item) for item in parsed]


def meta_mapping(value) -> dict:
    """A mapping var as a dbt Python model reads it from its meta: dbt renders `{{ var('x') }}`
    to the mapping's text (`{'a': 'b'}`), or passes a dict."""
    if isinstance(value, dict):
        return dict(value)
    parsed = ast.literal_eval(str(value))
    if not isinstance(parsed, dict):
        raise ValueError(f"expected a mapping in the model's meta, got {value!r}")
    return parsed
