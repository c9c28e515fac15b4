"""Request bodies shared by the API tests (invented demo-style data)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def patient_body(mrn: str = "MRN-1001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "mrn": mrn,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "birth_date": "1961-04-02",
        "sex": "female",
        "diagnoses": [{"code": "M96.1", "primary": True}],
        "coverage": [{"insurer": "Medicare", "member_id": "1EG4-TE5-MK72"}],
    }
    body.update(overrides)
    return body


def create_patient(client: TestClient, mrn: str = "MRN-1001", **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/patients", json=patient_body(mrn, **overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def audit_count(client: TestClient) -> int:
    """Rows in the audit log, read straight from the database."""
    ctx = client.app.state.context  # type: ignore[attr-defined]
    with ctx.uow_factory() as uow:
        return uow.audit.count()


def only_refusals_since(client: TestClient, before: int, *statuses: int) -> None:
    """Since the log held ``before`` rows, only the refusals of ``statuses`` (oldest first)
    were written: one ``request.refused`` entry each, nothing else."""
    ctx = client.app.state.context  # type: ignore[attr-defined]
    with ctx.uow_factory() as uow:
        assert uow.audit.count() == before + len(statuses)
        newest = uow.audit.recent(len(statuses)) if statuses else []
    assert [(e.action, e.details["status"]) for e in reversed(newest)] == [
        ("request.refused", status) for status in statuses
    ]


def evaluation_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "evaluated_on": "2026-09-01",
        "indication": "non_cancer",
        "conservative_therapies": [
            {"name": "physical therapy", "months": 9, "outcome": "failed"},
            {"name": "oral opioids", "months": 24, "outcome": "failed"},
        ],
        "surgery_is_option": False,
        "psych_evaluation_done": True,
        "psych_cleared": True,
    }
    body.update(overrides)
    return body


def trial_body(success: bool = True, **overrides: Any) -> dict[str, Any]:
    scores = [4, 3, 3, 3, 4, 4] if success else [7, 7, 8, 8, 8, 8]
    body: dict[str, Any] = {
        "drug": "morphine",
        "started_at": "2026-10-01T08:00:00Z",
        "baseline_nrs": 8,
        "injections": [{"dose": "0.2 mg", "at": "0 h"}],
        "scores": [
            {"at": f"{h} h", "nrs": s} for h, s in zip(range(1, 10, 1), scores, strict=False)
        ],
        "side_effects": [{"effect": "pruritus", "severity": "mild", "at": "3 h"}],
        "function_improved": success,
    }
    body.update(overrides)
    return body


def implant_body(serial: str = "NGP100001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "implanted_on": "2026-10-20",
        "hospital": "General Hospital",
        "surgeon": "Dr. Example",
        "hospital_stay_days": 2,
        "pump_model": "synchromed-ii-20",
        "pump_serial": serial,
        "reservoir": "20 mL",
        "catheter_length_cm": "50.0",
        "catheter_tip_level": "T10",
        "catheter_volume": "0.1 mL",
        "initial_fill": "18 mL",
    }
    body.update(overrides)
    return body


def program_body(
    concentration: str = "1 mg/mL", rate: str = "0.3 mL/day", version: int = 0, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "program": {
            "solution": [{"drug": "morphine", "concentration": concentration}],
            "basal": {"continuous": rate},
        },
        "version": version,
    }
    body.update(extra)
    return body


def implanted_patient(client: TestClient, mrn: str = "MRN-3001") -> int:
    """A patient through evaluation, a successful trial and an implant."""
    pid = int(create_patient(client, mrn)["id"])
    assert (
        client.post(f"/api/v1/patients/{pid}/evaluations", json=evaluation_body()).status_code
        == 201
    )
    trial = client.post(f"/api/v1/patients/{pid}/trials", json=trial_body())
    assert trial.status_code == 201, trial.text
    implant = client.post(f"/api/v1/patients/{pid}/implants", json=implant_body(f"SN-{mrn}"))
    assert implant.status_code == 201, implant.text
    return pid
