"""Small study configurations for tests (fast: tens of patients, months)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from intrathecal.sim.study_config import StudyConfig, load_study_config

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fleet-study.yaml"


def example_raw() -> dict[str, Any]:
    """The shipped example study as plain data."""
    raw: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return raw


def small_study(tmp_path: Path, **changes: Any) -> StudyConfig:
    """The example shrunk to 40 patients over 120 days, with ``changes`` applied."""
    raw = example_raw()
    raw.update({"patients": 40, "years": 120 / 365.25, "replications": 2}, **changes)
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return load_study_config(path)
