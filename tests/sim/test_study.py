"""The fleet study: reproducible, strict about its inputs, and responsive to capacity."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from intrathecal.cli import app
from intrathecal.core.program import Continuous, PatientBolus, Prescription, Solution
from intrathecal.core.quantities import Volume, VolumeRate
from intrathecal.core.safety import ProgramRequest, check_program
from intrathecal.device.limits import safety_limits
from intrathecal.sim import FleetState, study
from intrathecal.sim.population import draw_population
from intrathecal.sim.study import run_replication, run_study
from intrathecal.sim.study_config import StudyConfigError, load_study_config
from tests.sim.study_configs import EXAMPLE, example_raw, small_study

runner = CliRunner()


def test_the_shipped_example_loads() -> None:
    config = load_study_config(EXAMPLE)
    assert abs(sum(d.share for d in config.drugs) - 1) < 1e-9
    assert {d.drug for d in config.drugs} >= {"morphine", "baclofen"}


def test_a_replication_is_reproducible_and_replications_differ(tmp_path: Path) -> None:
    config = small_study(tmp_path)
    first = run_replication(config, 0)
    assert run_replication(config, 0) == first
    assert run_replication(config, 1) != first
    assert first.refill_visits > 0
    assert first.patient_years == pytest.approx(40 * 120 / 365.25)


def test_population_matches_the_configured_doses(tmp_path: Path) -> None:
    config = small_study(tmp_path, patients=4000)
    pop = draw_population(config, np.random.default_rng(3))
    for i, drug in enumerate(config.drugs):
        rows = pop.drug == i
        share = rows.mean()
        assert share == pytest.approx(drug.share, abs=0.03)
        median_ml = float(drug.median_daily_dose.to("mcg/day")) / float(
            drug.concentration.to("mcg/mL")
        )
        observed = float(np.median(pop.daily_basal_ml()[rows]))
        assert observed == pytest.approx(median_ml, rel=0.12)
        if drug.max_daily_dose is not None:
            ceiling = float(drug.max_daily_dose.to("mcg/day")) / float(
                drug.concentration.to("mcg/mL")
            )
            assert pop.daily_basal_ml()[rows].max() <= ceiling * (1 + 1e-12)
    assert pop.baclofen.sum() == (pop.drug == 1).sum()


def test_too_few_nurses_turn_patients_away_and_empty_reservoirs(tmp_path: Path) -> None:
    raw = example_raw()
    sites = raw["clinic"]["locations"]
    ample = small_study(tmp_path, patients=150)
    starved_sites = {
        name: {**site, "weekdays": [2]} for name, site in sites.items()
    }  # one clinic day a week
    starved = small_study(
        tmp_path,
        patients=150,
        clinic={**raw["clinic"], "locations": starved_sites, "nurse_minutes_per_day": 90},
    )
    good, bad = run_replication(ample, 0), run_replication(starved, 0)
    assert bad.turned_away > good.turned_away
    assert bad.dry_days > good.dry_days
    assert bad.low_alarms > good.low_alarms


def test_hazards_are_the_same_under_both_policies(tmp_path: Path) -> None:
    naive = small_study(tmp_path, hazards_per_patient_year={"catheter_fault": 2.0})
    cpsat = naive.model_copy(update={"policy": naive.policy.model_copy(update={"kind": "cpsat"})})
    a, b = run_replication(naive, 0), run_replication(cpsat, 0)
    assert a.catheter_faults == b.catheter_faults > 0


def test_cpsat_policy_keeps_capacity_and_books_fewer_visits(tmp_path: Path) -> None:
    naive = small_study(tmp_path, patients=80)
    cpsat = naive.model_copy(
        update={"policy": naive.policy.model_copy(update={"kind": "cpsat", "solver_seconds": 2})}
    )
    a, b = run_replication(naive, 0), run_replication(cpsat, 0)
    assert b.refill_visits <= a.refill_visits
    assert b.turned_away <= a.turned_away


def test_a_cpsat_replication_is_reproducible(tmp_path: Path) -> None:
    naive = small_study(tmp_path, patients=60)
    cpsat = naive.model_copy(
        update={"policy": naive.policy.model_copy(update={"kind": "cpsat", "solver_seconds": 1})}
    )
    first = run_replication(cpsat, 0)
    assert first.refill_visits > 0
    assert run_replication(cpsat, 0) == first


def test_cpsat_policy_refills_short_cycle_pumps_across_weekends(tmp_path: Path) -> None:
    # High morphine doses in 20 mL pumps: about ten days from full to the alarm, so with a
    # 7-day margin a refill is due every few days, over weekends too. Patients come as
    # booked; the plan must keep every reservoir from running dry.
    raw = example_raw()
    morphine = next(d for d in raw["drugs"] if d["drug"] == "morphine")
    heavy = {**morphine, "share": 1.0, "median_daily_dose": "12 mg/day", "dose_spread": 1.1}
    study = small_study(
        tmp_path,
        patients=30,
        drugs=[heavy],
        pump_models={"synchromed-ii-20": 1.0},
        behaviour={"no_show": 0.0, "mean_delay_days": 0.0, "rebook_after_days": 1},
        policy={**raw["policy"], "kind": "cpsat", "solver_seconds": 2},
    )
    metrics = run_replication(study, 0)
    assert metrics.refill_visits > 30 * 120 / 14
    assert metrics.dry_days == 0.0
    assert metrics.empty_alarms == 0


def test_a_running_clinic_starts_with_no_pump_overdue(tmp_path: Path) -> None:
    # Low doses make a 40 mL fill last far longer than the drugs' stability (84-180 days):
    # the study must start each pump within its stability window as well, or the first plan
    # finds pumps whose refill was due months before the start.
    raw = example_raw()
    study = small_study(
        tmp_path,
        patients=60,
        years=8 / 365.25,  # two weekly plans
        behaviour={"no_show": 0.0, "mean_delay_days": 0.0, "rebook_after_days": 1},
        policy={**raw["policy"], "kind": "cpsat", "solver_seconds": 1},
    )
    metrics = run_replication(study, 0)
    assert metrics.refill_visits > 0
    assert metrics.late_in_plan == 0
    assert metrics.urgent_bookings == 0


@pytest.mark.parametrize("rebook_at", ["home", "booked_site"])
def test_a_no_show_is_rebooked_where_the_study_file_says(tmp_path: Path, rebook_at: str) -> None:
    behaviour = {"no_show": 0.999, "mean_delay_days": 0.0, "rebook_after_days": 2}
    config = small_study(tmp_path, patients=10, behaviour={**behaviour, "rebook_at": rebook_at})
    ctx = study._new_context(config, 0)
    state = FleetState.start(ctx.pop.programs, 0)
    study._initial_fill(ctx, state)
    home = int(ctx.pop.home[0])
    other = 1 - home  # the example has two sites
    day = int(ctx.calendar.open_on_or_after(np.array([other]), np.array([1]))[0])
    ctx.bookings.day[:] = study.NONE
    ctx.bookings.book(np.array([0]), np.array([day]), np.array([other]))
    study._visits(ctx, state, day)
    assert ctx.metrics.no_shows == 1
    site = home if rebook_at == "home" else other
    again = ctx.calendar.open_on_or_after(np.array([site]), np.array([day + 2]))[0]
    assert (ctx.bookings.site[0], ctx.bookings.day[0]) == (site, again)


def test_study_bands_are_ordered(tmp_path: Path) -> None:
    result = run_study(small_study(tmp_path, replications=3))
    for low, mid, high in result.bands().values():
        assert low <= mid <= high


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patients": 0}, "patients"),
        ({"pump_models": {"codman-3000": 1.0}}, "fixed-rate"),
        ({"pump_models": {"acme-1": 1.0}}, "unknown pump model"),
        ({"start": 20270104}, "start"),
        ({"unknown_setting": 1}, "unknown_setting"),
    ],
)
def test_bad_study_files_name_the_field(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    raw = {**example_raw(), **change}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(StudyConfigError, match=message):
        load_study_config(path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("median_daily_dose", "3", r"drugs\.0\.median_daily_dose"),  # no unit
        ("drug", "unobtainium", r"drugs\.0\.drug: .*unknown drug 'unobtainium'"),
        ("median_daily_dose", "300 mg/day", "median_daily_dose 300 mg/day is above the daily"),
        ("max_daily_dose", "50 mg/day", "max_daily_dose 50 mg/day is above the morphine maximum"),
        ("concentration", "50 mg/mL", "concentration 50 mg/mL is above the morphine maximum"),
    ],
)
def test_a_drug_needs_units_a_catalogue_name_and_doses_within_its_maximum(
    tmp_path: Path, field: str, value: str, message: str
) -> None:
    raw = example_raw()
    raw["drugs"][0][field] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(StudyConfigError, match=message):
        load_study_config(path)


def test_drug_names_are_read_as_the_catalogue_spells_them(tmp_path: Path) -> None:
    raw = example_raw()
    baclofen = next(i for i, d in enumerate(raw["drugs"]) if d["drug"] == "baclofen")
    raw["drugs"][baclofen]["drug"] = " Baclofen "
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    loaded = load_study_config(path).drugs[baclofen]
    assert (loaded.drug, loaded.is_baclofen) == ("baclofen", True)


def test_cli_fleet_prints_json_and_writes_a_plot(tmp_path: Path) -> None:
    raw = example_raw()
    raw.update({"patients": 30, "years": 60 / 365.25, "replications": 2})
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(raw), encoding="utf-8")
    plot = tmp_path / "fleet.png"
    result = runner.invoke(app, ["sim", "fleet", str(study), "--json", "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    bands = data["results"][0]["bands_p5_p50_p95"]
    assert set(bands) >= {"empty_days_per_1000_patient_years", "nurse_hours_per_patient_year"}
    assert len(data["results"][0]["replications"]) == 2
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["sim", "fleet", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "cannot read the study file" in missing.output
    bad_plot = runner.invoke(app, ["sim", "fleet", str(EXAMPLE), "--plot", "out.gif"])
    assert bad_plot.exit_code == 2
    assert "expected a .png or .svg" in bad_plot.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dask-scheduler", "scheduler-host"], "missing port number"),
        (["--dask-scheduler", "http://127.0.0.1:8786"], "unknown address scheme 'http'"),
        (["--dask-scheduler", "tcp://127.0.0.1:8786", "--workers", "2"], "not both"),
    ],
)
def test_cli_a_cluster_it_cannot_use_is_one_line_and_exit_2(
    options: list[str], message: str
) -> None:
    result = runner.invoke(app, ["sim", "fleet", str(EXAMPLE), *options])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_replications_on_a_dask_cluster_equal_the_in_process_run(tmp_path: Path) -> None:
    raw = example_raw()
    raw.update({"patients": 25, "years": 45 / 365.25, "replications": 3})
    study = tmp_path / "study.yaml"
    study.write_text(yaml.safe_dump(raw), encoding="utf-8")
    local = runner.invoke(app, ["sim", "fleet", str(study), "--json"])
    dask = runner.invoke(app, ["sim", "fleet", str(study), "--json", "--workers", "2"])
    assert local.exit_code == dask.exit_code == 0, dask.output
    assert json.loads(dask.stdout)["results"] == json.loads(local.stdout)["results"]


def _exact(ml: float) -> Fraction:
    """The float volume as the decimal it stands for (the ceiling 0.768 mL/day, not the
    binary float a hair above it)."""
    return Fraction(ml).limit_denominator(10**9)


def test_no_simulated_patient_runs_a_program_the_safety_policy_refuses() -> None:
    # every drawn dose, and the ceiling titration may reach, with every allowed bolus taken,
    # as a steady program (no change rules): no HARD finding on any configured pump model
    config = load_study_config(EXAMPLE)
    pop = draw_population(config, np.random.default_rng([config.seed, 0]))
    drawn = pop.programs.step_rates_ml_s[:, 0] * 86_400.0
    for i in range(len(pop)):
        drug = config.drugs[int(pop.drug[i])]
        for daily_ml in (float(drawn[i]), float(pop.max_daily_ml[i])):
            bolus = None
            if drug.patient_bolus is not None and pop.bolus_fraction[i] > 0:
                share = Fraction(float(pop.bolus_fraction[i])).limit_denominator(1000)
                volume = Volume(share * _exact(daily_ml), "mL")
                pb = drug.patient_bolus
                bolus = PatientBolus(volume, pb.duration, pb.lockout, pb.max_per_day)
            rx = Prescription(
                Solution.single(drug.drug, drug.concentration),
                Continuous(VolumeRate(_exact(daily_ml), "mL/day")),
                patient_bolus=bolus,
            )
            for model in config.pump_models:
                report = check_program(ProgramRequest(rx, safety_limits(model), current=rx))
                assert not report.refused, (i, drug.drug, report.findings)
