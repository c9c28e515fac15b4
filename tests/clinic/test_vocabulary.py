"""Each closed vocabulary is defined once; the tables that label its values cover it exactly."""

from typing import get_args

from intrathecal.api.schemas import care, pathway, patients
from intrathecal.clinic import devices, eligibility, events, vocabulary


def test_label_tables_cover_exactly_their_vocabulary() -> None:
    assert set(events.CATEGORIES) == set(get_args(vocabulary.Category))
    assert set(eligibility.CONTRAINDICATIONS) == set(get_args(vocabulary.Contraindication))
    assert set(devices.ALARMS) == set(get_args(vocabulary.PumpAlarm))


def test_the_api_validates_against_the_clinic_vocabularies() -> None:
    assert care.AdverseEventIn.model_fields["category"].annotation is vocabulary.Category
    assert patients.PatientCreate.model_fields["sex"].annotation is vocabulary.Sex
    indication = pathway.EvaluationIn.model_fields["indication"].annotation
    assert indication is vocabulary.Indication
