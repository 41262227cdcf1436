"""One fact, one place: the shop's vocabulary, the thresholds and the lists are defined once, as
vars in dbt_project.yml, and nothing else in the code keeps a copy of them.

Each test reads the definition and then searches the code (SQL, Python, templates, and the yml
outside descriptions and unit-test fixtures) for a second copy. Descriptions may quote the
vocabulary (they document it); unit tests bring their own fixtures.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import PROJECT_DIR

from one_click.project import project_vars

VARS = project_vars(PROJECT_DIR)
CODE_DIRS = ("models", "macros", "python_models", "one_click", "analyses", "seeds", "tests")
SUFFIXES = {".sql", ".py", ".j2", ".yml"}
THRESHOLDS = (
    "max_plausible_monthly_revenue",
    "low_profit_quantile",
    "high_profit_quantile",
    "profit_at_risk_months",
    "promo_dependent_share",
    "report_targets_shown",
    "report_sample_size",
    "report_curve_points",
    "profile_sample_size",
    "model_sample_size",
    "scoring_budget_seconds",
    "shap_sample_size",
    "reasons_top_n",
    "random_seed",
    "drift_bins",
    "drift_psi_threshold",
    "report_entrants_shown",
    "delivery_month",
    "workers",
    "min_selected_roc_auc",
)


def _yml_code(data, key: str | None = None) -> Iterator[str]:
    """Every string of a yml document but descriptions and unit-test fixtures."""
    if key in ("description", "unit_tests"):
        return
    if isinstance(data, dict):
        for name, value in data.items():
            yield str(name)
            yield from _yml_code(value, str(name))
    elif isinstance(data, list):
        for value in data:
            yield from _yml_code(value, key)
    elif data is not None:
        yield str(data)


def code_files() -> Iterator[tuple[Path, str]]:
    """(path, code) of every project file that holds code; comments of SQL and Python stay in
    (a value quoted in a comment drifts as surely as one in code)."""
    for directory in CODE_DIRS:
        for path in sorted((PROJECT_DIR / directory).rglob("*")):
            if path.suffix not in SUFFIXES or "__pycache__" in path.parts:
                continue
            if directory == "tests" and path.parts[-2] == "python":
                continue  # the Python tests build fixtures of their own
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".yml":
                text = "\n".join(_yml_code(yaml.safe_load(text)))
            yield path.relative_to(PROJECT_DIR), text


@functools.cache
def project_code() -> tuple[tuple[Path, str], ...]:
    """code_files(), read once per test process: the tests that search them only read them
    (the test that plants a copy reads code_files() itself)."""
    return tuple(code_files())


def vocabulary_values() -> set[str]:
    """The shop's words: labels, tiers, categories, and every misspelt and corrected value."""
    vocabulary = VARS["shop_vocabulary"]
    words = {*vocabulary["activity"], *vocabulary["consent"], *vocabulary["service_tiers"]}
    words |= set(vocabulary["categories"]) | set(vocabulary["periods"])
    for corrections in vocabulary["corrections"].values():
        words |= set(corrections) | set(corrections.values())
    return words


def test_the_definition_is_read_from_the_project_file():
    assert VARS["shop_vocabulary"]["categories"], "no categories: wrong dbt_project.yml?"
    assert len(vocabulary_values()) > 10


@pytest.mark.parametrize("word", sorted(vocabulary_values()))
def test_no_copy_of_the_shop_vocabulary(word):
    written = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")
    copies = [str(path) for path, text in project_code() if written.search(text)]
    assert copies == [], f"«{word}» is written again in {copies}; read var shop_vocabulary"


def test_the_search_for_copies_finds_one():
    """The search above can fail: a copy written into a Python file is found."""
    planted = PROJECT_DIR / "one_click" / "_planted_copy_test.py"
    word = sorted(vocabulary_values())[0]
    planted.write_text(f"LABEL = {word!r}\n", encoding="utf-8")
    try:
        assert any(word in text for _, text in code_files())
    finally:
        planted.unlink()


@pytest.mark.parametrize("name", THRESHOLDS)
def test_a_threshold_is_only_referenced(name):
    """SQL and yml read it with var('name'); Python by name from the project or dbt's meta;
    nothing binds the name to a number of its own."""
    assert name in VARS
    # `name: 0.6`, `name = 0.6`, `NAME = 0.6`
    bound = re.compile(rf"\b{name}\b\s*[:=]\s*['\"]?-?[0-9]", re.IGNORECASE)
    for path, text in project_code():
        for line in text.splitlines():
            if bound.search(line):
                pytest.fail(f"{path}: {line.strip()!r} keeps a copy of var {name}")


def test_meta_of_the_python_models_renders_the_vars():
    """The dbt Python models get thresholds through meta, rendered from the var of that name."""
    found = 0
    for path in sorted((PROJECT_DIR / "python_models").rglob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            for key, value in ((model.get("config") or {}).get("meta") or {}).items():
                if key in VARS:
                    assert value == f"{{{{ var('{key}') }}}}", (path, model["name"], key)
                    found += 1
    assert found >= 3


def test_profit_at_risk_has_one_horizon():
    """The horizon is var profit_at_risk_months: no name or text fixes it at three months."""
    fixed = re.compile(
        r"profit_at_risk_3m|risk[^\n]{0,40}\b(3|three) months|риск[^\n]{0,40}\b(3|три|трёх) месяц",
        re.IGNORECASE,
    )
    copies = [str(path) for path, text in code_files() if fixed.search(text)]
    assert copies == []


def test_the_targeted_segments_are_the_segment_views():
    views = {p.stem for p in (PROJECT_DIR / "models" / "marketing" / "segments").glob("*.sql")}
    assert set(VARS["targeted_segments"]) == views - {"risk_profit_matrix"}
    package = [
        (str(path), name)
        for path, text in code_files()
        if path.parts[0] in ("one_click", "python_models")
        for name in VARS["targeted_segments"]
        if name in text
    ]
    assert package == [], "the package names segments: read them from the warehouse"


def test_the_report_exposure_lists_exactly_the_reporting_views():
    reporting = yaml.safe_load(
        (PROJECT_DIR / "models" / "reporting" / "_reporting__models.yml").read_text()
    )
    views = {m["name"] for m in reporting["models"]}
    exposures = yaml.safe_load((PROJECT_DIR / "models" / "exposures.yml").read_text())
    [report] = [e for e in exposures["exposures"] if e["name"] == "retention_report"]
    assert {re.fullmatch(r"ref\('(\w+)'\)", d).group(1) for d in report["depends_on"]} == views


def test_one_list_of_what_is_not_a_feature():
    definitions = [
        str(path) for path, text in code_files() if re.search(r"^NOT_FEATURES\s*=", text, re.M)
    ]
    assert len(definitions) <= 1, definitions


def test_staging_names_delivered_columns_that_exist():
    staging = yaml.safe_load(
        (PROJECT_DIR / "models" / "staging" / "shop" / "_shop__models.yml").read_text()
    )
    headers = {column for f in VARS["shop_files"].values() for column in f["columns"]}
    declared = 0
    for model in staging["models"]:
        for column in model["columns"]:
            delivered = (column.get("meta") or {}).get("delivered_column")
            assert delivered, (model["name"], column["name"])
            assert delivered in headers, (model["name"], column["name"], delivered)
            declared += 1
    assert declared > 20


# ---------------------------------------------------------------------------------------------
# The dbt yml's accepted values are the package's definitions (checked here, not copied by hand)


def accepted_values(folder: str) -> dict[tuple[str, str], list]:
    """(model, column) -> the values of its unconditional accepted_values test, for every model
    of the yml files under folder."""
    found = {}
    for path in sorted((PROJECT_DIR / folder).rglob("*.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or []:
            for column in model.get("columns") or []:
                for test in column.get("data_tests") or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        spec = test["accepted_values"]
                        if "where" not in (spec.get("config") or {}):
                            found[(model["name"], column["name"])] = spec["arguments"]["values"]
    return found


def definitions() -> dict[str, list]:
    """Each column name whose values the package defines, with the definition."""
    from one_click.layout import MODEL_DIR
    from one_click.ml.candidates import FAMILIES
    from one_click.ml.features import FEATURES
    from one_click.ml.persist import ARTIFACT_NAME, METADATA_NAME
    from one_click.ml.reasons import FROM_KEPT_MODEL, FROM_OUTER_FOLD_MODEL, FROM_SHAP_TABLE
    from one_click.ml.scoring import FOLD_MODEL, HELD_OUT, KEPT_MODEL, OUT_OF_FOLD
    from one_click.ml.selection import HOLDOUT, OUTER_FOLD

    return {
        "model_family": FAMILIES,
        "feature": FEATURES,
        "risk_band": list(VARS["risk_bands"]),
        "score_kind": [OUT_OF_FOLD, HELD_OUT, KEPT_MODEL, FOLD_MODEL],
        "evaluation": [OUTER_FOLD, HOLDOUT],
        "artifact_path": [f"{MODEL_DIR}/{ARTIFACT_NAME}"],
        "metadata_path": [f"{MODEL_DIR}/{METADATA_NAME}"],
        "explained_by": [FROM_SHAP_TABLE, FROM_OUTER_FOLD_MODEL, FROM_KEPT_MODEL],
    }


def test_the_accepted_values_of_the_python_models_are_the_package_definitions():
    defined = definitions()
    checked = 0
    for (model, column), values in accepted_values("python_models").items():
        if column in defined:
            assert list(values) == list(defined[column]), (model, column, defined[column])
            checked += 1
    assert checked >= 10


def test_the_check_of_accepted_values_can_fail(tmp_path):
    """A family listed in the yml but not defined would be found."""
    folder = tmp_path / "python_models"
    folder.mkdir()
    (folder / "_x__models.yml").write_text(
        yaml.safe_dump(
            {
                "models": [
                    {
                        "name": "m",
                        "columns": [
                            {
                                "name": "model_family",
                                "data_tests": [
                                    {"accepted_values": {"arguments": {"values": ["knn", "gbm"]}}}
                                ],
                            }
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    [(key, values)] = accepted_values(str(folder)).items()
    assert key == ("m", "model_family") and values != definitions()["model_family"]


def test_the_report_names_every_family_and_no_other():
    from one_click.ml.candidates import FAMILIES

    names = yaml.safe_load((PROJECT_DIR / "one_click" / "messages" / "models.yml").read_text())
    assert sorted(names) == sorted(f"model.family.{family}" for family in FAMILIES)


def test_the_python_code_reads_the_bands_from_var_risk_bands():
    """The bands' names and cut-offs: var risk_bands; the old pair of cut-off vars is not read."""
    readers = [
        str(path)
        for path, text in code_files()
        if path.parts[0] in ("one_click", "python_models") and path.suffix != ".sql"
        for name in ("risk_band_high", "risk_band_medium")
        if name in text
    ]
    assert readers == []
