"""Control characters in the patient search: a clear 422 on both databases, never a match."""

from __future__ import annotations

import pytest

from intrathecal.clinic.permissions import Role
from tests.api.conftest import Api
from tests.api.helpers import create_patient


@pytest.mark.parametrize("query", ["\x00", "ab\x00", "\x00cd", "a\x01b", "x\x7f"])
def test_a_control_character_in_the_search_is_a_422_naming_q(api: Api, query: str) -> None:
    doc = api.as_role(Role.PHYSICIAN)
    create_patient(doc)
    response = doc.get("/api/v1/patients", params={"q": query})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "query.q"


def test_the_search_use_case_refuses_nul_whatever_the_entry_point(api: Api) -> None:
    from intrathecal.clinic.errors import ValidationFailed
    from intrathecal.clinic.patients import search_patients
    from intrathecal.clinic.records import Actor

    ctx = api.app.state.context
    doctor = Actor(user_id=None, username="doc", role="physician", ip=None)
    with pytest.raises(ValidationFailed, match="control characters"):
        search_patients(ctx.uow_factory(), "a\x00", doctor)
