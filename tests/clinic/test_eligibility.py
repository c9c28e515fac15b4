"""Eligibility decision: properties over all inputs."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from intrathecal.clinic.config import settings
from intrathecal.clinic.eligibility import CONTRAINDICATIONS, assess
from intrathecal.clinic.records import ConservativeTherapy
from intrathecal.clinic.vocabulary import INDICATIONS

therapies = st.lists(
    st.builds(
        ConservativeTherapy,
        name=st.just("therapy"),
        months=st.integers(0, 60),
        outcome=st.sampled_from(["failed", "partial", "helped"]),
    ),
    max_size=4,
)


@given(
    indication=st.sampled_from(INDICATIONS),
    tried=therapies,
    surgery=st.booleans(),
    psych=st.booleans(),
    cleared=st.booleans(),
    contra=st.lists(st.sampled_from(sorted(CONTRAINDICATIONS)), max_size=3),
    life=st.one_of(st.none(), st.integers(0, 120)),
)
def test_any_blocking_fact_makes_patient_ineligible_and_is_named(
    indication: str,
    tried: list[ConservativeTherapy],
    surgery: bool,
    psych: bool,
    cleared: bool,
    contra: list[str],
    life: int | None,
) -> None:
    result = assess(indication, tried, surgery, psych, cleared, contra, life, settings())
    failed_months = max((t.months for t in tried if t.outcome == "failed"), default=None)
    blocked = (
        bool(contra)
        or surgery
        or not psych
        or not cleared
        or failed_months is None
        or (indication == "non_cancer" and failed_months < 6)
        or (indication == "cancer" and (life is None or life < 3))
    )
    assert result.eligible is (not blocked)
    assert result.reasons
    for code in contra:
        assert any(CONTRAINDICATIONS[code] in r for r in result.reasons)
