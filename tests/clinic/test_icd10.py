"""Diagnoses are checked against the ICD-10-CM code set: complete codes, the code set's
descriptions, and Excludes1 pairs refused."""

from __future__ import annotations

import pytest

from intrathecal.clinic import config
from intrathecal.clinic.errors import ValidationFailed
from intrathecal.clinic.records import Diagnosis
from intrathecal.clinic.validation import diagnoses


def test_known_code_gets_the_code_set_description() -> None:
    (found,) = diagnoses((Diagnosis("m54.16", ""),))
    assert found == Diagnosis("M54.16", "Radiculopathy, lumbar region")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("M54.1", r"^diagnoses\[0\]\.code: M54\.1 \(Radiculopathy\) is not a complete code; "
         r"use one of M54\.10, M54\.11"),
        ("M54.19", r"^diagnoses\[0\]\.code: 'M54\.19' is not in the ICD-10-CM code set"),
        ("Z99.999", r"^diagnoses\[0\]\.code: 'Z99\.999' is not in the ICD-10-CM code set"),
    ],
)  # fmt: skip
def test_incomplete_or_unknown_code_is_refused_naming_the_field(code: str, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        diagnoses((Diagnosis(code, "whatever"),))


def test_description_contradicting_the_code_set_is_refused() -> None:
    with pytest.raises(ValidationFailed, match=r"^diagnoses\[0\]\.description: 'Migraine'"):
        diagnoses((Diagnosis("M96.1", "Migraine"),))
    (same,) = diagnoses((Diagnosis("M96.1", "postlaminectomy syndrome, NOT elsewhere classified"),))
    assert same.description == "Postlaminectomy syndrome, not elsewhere classified"


@pytest.mark.parametrize("pair", [("G89.3", "G89.29"), ("G89.29", "G89.3"), ("G89.4", "G89.29")])
def test_excludes1_pairs_are_refused(pair: tuple[str, str]) -> None:
    with pytest.raises(ValidationFailed, match=r"^diagnoses: .* \(Excludes1 of G89\.2"):
        diagnoses(tuple(Diagnosis(c, "") for c in pair))


def test_compatible_codes_are_accepted() -> None:
    found = diagnoses(
        (Diagnosis("M96.1", "", True), Diagnosis("M54.16", ""), Diagnosis("G89.4", ""))
    )
    assert [d.code for d in found] == ["M96.1", "M54.16", "G89.4"]


def test_pathway_codes_cover_m54_1x_and_spasticity_and_all_are_complete() -> None:
    known = config.diagnosis_codes()
    assert {f"M54.1{d}" for d in "012345678"} <= set(known)
    spasticity = {c for c, d in known.items() if d.indication == "spasticity"}
    assert {"G80.0", "G80.1", "G82.21", "G82.52", "G35.D"} <= spasticity
    for code in known:
        assert diagnoses((Diagnosis(code, ""),))[0].description == known[code].description
