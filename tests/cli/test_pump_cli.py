"""``intrathecal pump simulate``: text, JSON, plots, and exit code 2 for bad input."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from typer.testing import CliRunner

from intrathecal.cli import app

SCENARIOS = Path(str(resources.files("intrathecal.device").joinpath("scenarios")))
runner = CliRunner()


def simulate(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["pump", "simulate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_simulate_prints_timeline_and_summary() -> None:
    code, out, _ = simulate(str(SCENARIOS / "missed_refill.yaml"))
    assert code == 0
    assert "missed refill reaching empty" in out
    assert "empty_reservoir (critical)" in out
    assert "delivered to CSF: 20 mL" in out
    assert "unverified default" in out


def test_simulate_json_is_machine_readable() -> None:
    code, out, _ = simulate(str(SCENARIOS / "catheter_tear.yaml"), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"]["to_tissue"] == {"value": "5", "unit": "mL"}
    assert data["summary"]["alarms"] == []
    assert data["samples"] > 100


def test_simulate_writes_png_and_svg_plots(tmp_path: Path) -> None:
    for name in ("out.png", "out.svg"):
        target = tmp_path / name
        code, _, _ = simulate(str(SCENARIOS / "motor_stall.yaml"), "--plot", str(target))
        assert code == 0
        assert target.stat().st_size > 1000
    assert (tmp_path / "out.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "out.svg").read_bytes()[:500]


def test_bad_plot_suffix_is_exit_two(tmp_path: Path) -> None:
    code, _, err = simulate(str(SCENARIOS / "motor_stall.yaml"), "--plot", str(tmp_path / "x.gif"))
    assert code == 2
    assert "--plot" in err


def test_bad_scenario_field_is_exit_two_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    text = (SCENARIOS / "missed_refill.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("duration: 75 days", "duration: 75"), encoding="utf-8")
    code, out, err = simulate(str(path))
    assert code == 2
    assert "duration:" in err
    assert "Traceback" not in out + err


def test_missing_scenario_file_is_exit_two(tmp_path: Path) -> None:
    code, _, err = simulate(str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "cannot read" in err
