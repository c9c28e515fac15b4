"""``intrathecal protocols``: emergency protocols and MRI checklists with their sources."""

from __future__ import annotations

from typer.testing import CliRunner

from intrathecal.cli import app

runner = CliRunner()


def test_show_prints_numbered_steps_and_the_source() -> None:
    result = runner.invoke(app, ["protocols", "show", "baclofen_withdrawal"])
    assert result.exit_code == 0, result.output
    assert "1. Treat as an emergency" in result.output
    assert "source (literature): Lioresal Intrathecal boxed warning" in result.output


def test_mri_checklist_by_pump_model() -> None:
    result = runner.invoke(app, ["protocols", "mri", "synchromed-ii-20"])
    assert result.exit_code == 0, result.output
    assert "Interrogate the pump after the scan" in result.output


def test_unknown_protocol_or_pump_is_exit_2_with_one_line() -> None:
    for args in (["protocols", "show", "zombie"], ["protocols", "mri", "acme-9"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.output.strip().count("\n") == 0
        assert "error:" in result.output
