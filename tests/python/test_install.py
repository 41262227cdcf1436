"""The declared install: pyproject.toml's dependencies and console scripts, and the two locks
(requirements.txt, requirements-test.txt) that `make lock` writes from it."""

from __future__ import annotations

import importlib
import re
import tomllib
from importlib import metadata

import pytest
from deliveries import PROJECT_DIR
from packaging.requirements import Requirement

from one_click import refresh

PYPROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))
SCRIPTS = PYPROJECT["project"]["scripts"]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^ \\]+)")


def _lock(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """Package (normalised name) -> (version, its hashes), from a lock written by pip-compile."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    package = None
    for line in (PROJECT_DIR / name).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            package = re.sub(r"[-_.]+", "-", match[1]).lower()
            pins[package] = (match[2], frozenset())
        elif package and (digest := re.search(r"--hash=(sha256:[0-9a-f]{64})", line)):
            version, hashes = pins[package]
            pins[package] = (version, hashes | {digest[1]})
    return pins


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", Requirement(requirement).name).lower()


def test_the_console_scripts_cover_refresh_score_rollback_report_and_synth():
    assert set(SCRIPTS) == {
        f"one-click-{job}" for job in ("refresh", "score", "rollback", "report", "synth")
    }
    for target in SCRIPTS.values():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function)), target


def test_the_installed_console_scripts_are_the_declared_ones():
    installed = {
        entry.name: entry.value
        for entry in metadata.distribution("one_click").entry_points
        if entry.group == "console_scripts"
    }
    assert installed == SCRIPTS


@pytest.mark.parametrize(
    ("entry", "flag"), [("score_main", "--score"), ("rollback_main", "--rollback")]
)
def test_score_and_rollback_are_the_refresh_with_their_flag(monkeypatch, entry, flag):
    seen = []
    monkeypatch.setattr(refresh, "main", lambda argv: seen.append(argv) or 0)
    assert getattr(refresh, entry)(["--warehouse-dir", "w"]) == 0
    assert seen == [[flag, "--warehouse-dir", "w"]]


def test_every_dependency_is_locked_with_hashes_and_the_test_lock_keeps_the_runtime_pins():
    runtime, test = _lock("requirements.txt"), _lock("requirements-test.txt")
    for requirement in PYPROJECT["project"]["dependencies"]:
        name = _name(requirement)
        assert name in runtime, requirement
        assert Requirement(requirement).specifier.contains(runtime[name][0]), requirement
    for requirement in PYPROJECT["project"]["optional-dependencies"]["test"]:
        assert _name(requirement) in test, requirement
        assert _name(requirement) not in runtime, f"{requirement} is a test tool, not runtime"
    assert all(hashes for _, hashes in test.values())
    for name, pin in runtime.items():
        assert test.get(name) == pin, name
