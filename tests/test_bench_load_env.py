"""bench_load runs each server with the package it means to measure."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_load.py"


def _bench_load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_load", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_baseline_with_its_own_virtualenv_does_not_inherit_this_pythonpath(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/checkout/under/test/src")
    (tmp_path / ".venv").mkdir()
    assert "PYTHONPATH" not in _bench_load()._source_env(tmp_path)


def test_a_baseline_without_a_virtualenv_imports_its_own_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "/checkout/under/test/src")
    assert _bench_load()._source_env(tmp_path)["PYTHONPATH"] == str(tmp_path / "src")


def test_this_checkout_keeps_the_pythonpath_it_runs_with(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/checkout/under/test/src")
    assert _bench_load()._source_env(None)["PYTHONPATH"] == "/checkout/under/test/src"
