"""Jinja context for `sqlfluff lint`: `var()` returns the project's real vars from dbt_project.yml,
so loops over period lists render as dbt renders them."""

from pathlib import Path

import yaml

_PROJECT_VARS = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "dbt_project.yml").read_text(encoding="utf-8")
).get("vars", {})


def var(name, default=None):
    return _PROJECT_VARS.get(name, default)
