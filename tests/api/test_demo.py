"""The demo data set: loads once, through the use cases, and every demo login works."""

from __future__ import annotations

from intrathecal.clinic.demo import DEMO_PASSWORDS, load_demo
from tests.api.conftest import Api


def test_demo_loads_once_and_every_demo_login_works(api: Api) -> None:
    ctx = api.client.app.state.context  # type: ignore[attr-defined]
    assert load_demo(ctx.uow_factory, ctx.auth) is True
    assert load_demo(ctx.uow_factory, ctx.auth) is False
    for username, (role, password) in DEMO_PASSWORDS.items():
        client = api.login(username, password)
        assert client.get("/api/v1/auth/me").json()["user"]["role"] == role

    doc = api.login("dr.demo", DEMO_PASSWORDS["dr.demo"][1])
    worklist = doc.get("/api/v1/worklist").json()["items"]
    assert worklist[0]["baclofen_critical"] is True
    assert any(item["kind"] == "discrepancy" for item in worklist)
    found = doc.get("/api/v1/patients?q=DEMO-").json()
    assert found["total"] == 6

    admin = api.login("admin.demo", DEMO_PASSWORDS["admin.demo"][1])
    verify = admin.get("/api/v1/audit/verify").json()
    assert verify["ok"] is True
    assert verify["checked"] > 40
    entries = admin.get("/api/v1/audit/entries?limit=200").json()["items"]
    assert {"refill.recorded", "trial.recorded", "prescription.programmed"} <= {
        e["action"] for e in entries
    }

    me = api.login("patient.demo", DEMO_PASSWORDS["patient.demo"][1])
    own = me.get("/api/v1/auth/me").json()["user"]["patient_id"]
    assert me.get(f"/api/v1/patients/{own}/refills").json()["total"] == 2
    assert me.get(f"/api/v1/patients/{own + 1}").status_code == 404

    requests = api.login("scheduler.demo", DEMO_PASSWORDS["scheduler.demo"][1])
    assert requests.get("/api/v1/appointment-requests").json()["total"] == 2
