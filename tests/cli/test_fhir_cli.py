"""The ``fhir`` CLI: import a referral Bundle and export a patient's Bundle or everyone's
NDJSON, as a named login under the role policy; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from intrathecal.cli import app
from intrathecal.fhir.jsonio import loads
from tests.cli.refusals import refusals
from tests.fhir.bundles import referral_bundle

runner = CliRunner()


def _clinic(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    assert runner.invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    for name, role in (("nurse.cli", "nurse"), ("sched.cli", "scheduler")):
        made = runner.invoke(
            app,
            ["users", "create", name, "--role", role, "--password-stdin", "--database-url", url],
            input="a-long-enough-password-1\n",
        )
        assert made.exit_code == 0, made.output
    return url


def test_import_then_export_one_patient_and_everyone(tmp_path: Path) -> None:
    url = _clinic(tmp_path)
    bundle = tmp_path / "referral.json"
    bundle.write_text(json.dumps(referral_bundle()), encoding="utf-8")
    imported = runner.invoke(
        app, ["fhir", "import", str(bundle), "--as", "nurse.cli", "--database-url", url]
    )
    assert imported.exit_code == 0, imported.output
    assert "registered patient 1" in imported.output

    one = runner.invoke(
        app, ["fhir", "export", "--as", "nurse.cli", "--patient", "1", "--database-url", url]
    )
    assert one.exit_code == 0, one.output
    exported = loads(one.stdout)
    assert exported["type"] == "searchset"
    assert exported["entry"][0]["resource"]["identifier"][0]["value"] == "H-20991"

    out = tmp_path / "bulk"
    bulk = runner.invoke(
        app, ["fhir", "export", "--as", "nurse.cli", "--out", str(out), "--database-url", url]
    )
    assert bulk.exit_code == 0, bulk.output
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        "Appointment.ndjson",
        "Condition.ndjson",
        "Coverage.ndjson",
        "Patient.ndjson",
        "ServiceRequest.ndjson",
    ]
    lines = (out / "Patient.ndjson").read_text(encoding="utf-8").splitlines()
    assert [loads(line)["resourceType"] for line in lines] == ["Patient"]


def test_refusals_exit_2_with_one_line(tmp_path: Path) -> None:
    url = _clinic(tmp_path)
    cases = [
        ["fhir", "export", "--as", "nobody", "--patient", "1"],
        ["fhir", "export", "--as", "sched.cli", "--patient", "1"],
        ["fhir", "export", "--as", "nurse.cli", "--patient", "99"],
        ["fhir", "export", "--as", "nurse.cli"],
        ["fhir", "import", str(tmp_path / "missing.json"), "--as", "nurse.cli"],
    ]
    for args in cases:
        result = runner.invoke(app, [*args, "--database-url", url])
        assert result.exit_code == 2, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(referral_bundle(icd="BAD")), encoding="utf-8")
    refused = runner.invoke(
        app, ["fhir", "import", str(bad), "--as", "nurse.cli", "--database-url", url]
    )
    assert refused.exit_code == 2
    assert "BAD" in refused.output
    # each refusal is audited as the API records its own: who, what, why
    assert refusals(url) == [
        ("anonymous", "access.denied", 401, "fhir export", 1),
        ("sched.cli", "access.denied", 403, "fhir export", 1),
        ("nurse.cli", "access.denied", 404, "fhir export", 99),
        ("nurse.cli", "request.refused", 422, "fhir export", None),
        ("nurse.cli", "request.refused", 422, "fhir import", None),
        ("nurse.cli", "request.refused", 422, "fhir import", None),
    ]


def test_record_ids_beyond_32_bits_are_bad_input_not_a_database_error(tmp_path: Path) -> None:
    """PostgreSQL cannot compare an integer column with 99999999999: the option refuses it."""
    url = _clinic(tmp_path)
    export = runner.invoke(
        app,
        ["fhir", "export", "--as", "nurse.cli", "--patient", "99999999999", "--database-url", url],
    )
    assert export.exit_code == 2
    assert "--patient" in export.output
    create = runner.invoke(
        app,
        ["users", "create", "pat.cli", "--role", "patient", "--patient-id", "99999999999",
         "--password-stdin", "--database-url", url],
        input="correct horse battery staple 42\n",
    )  # fmt: skip
    assert create.exit_code == 2
    assert "--patient-id" in create.output
