"""Canonical URLs of every code system, identifier system and extension the export uses."""

from __future__ import annotations

FHIR_VERSION = "4.0.1"

# --- external code systems (canonical URLs as published by their owners / HL7) -------------
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CPT = "http://www.ama-assn.org/go/cpt"
V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
COVERAGE_CLASS = "http://terminology.hl7.org/CodeSystem/coverage-class"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
OBSERVATION_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DOSE_RATE_TYPE = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
PROVENANCE_PARTICIPANT = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
AE_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
AE_CATEGORY = "http://terminology.hl7.org/CodeSystem/adverse-event-category"
DEVICE_NAME_TYPE = "http://hl7.org/fhir/device-nametype"

#: SNOMED CT 72607000 |Intrathecal route (qualifier value)| (route-codes value set).
SNOMED_INTRATHECAL_ROUTE = "72607000"
#: SNOMED CT 3457005 |Patient referral (procedure)|: ServiceRequest category of referrals.
SNOMED_PATIENT_REFERRAL = "3457005"
#: LOINC 72514-3 Pain severity - 0-10 verbal numeric rating [Score] - Reported.
LOINC_PAIN_SEVERITY = "72514-3"

# --- this project's own systems -------------------------------------------------------------
#: Base of the systems this software defines. ``example.org`` on purpose: a deploying clinic
#: replaces it with a URL it controls (docs/fhir.md).
OWN_BASE = "https://intrathecal.example.org/fhir"
MRN = f"{OWN_BASE}/sid/mrn"
USERNAME = f"{OWN_BASE}/sid/username"
INSURER = f"{OWN_BASE}/sid/insurer"
PUMP_MODEL = f"{OWN_BASE}/sid/pump-model"
DRUG = f"{OWN_BASE}/CodeSystem/drug"
PROCEDURE = f"{OWN_BASE}/CodeSystem/procedure"
DEVICE_KIND = f"{OWN_BASE}/CodeSystem/device-kind"
DEVICE_PROPERTY = f"{OWN_BASE}/CodeSystem/device-property"
OBSERVATION = f"{OWN_BASE}/CodeSystem/observation"
SPASTICITY_GRADE = f"{OWN_BASE}/CodeSystem/spasticity-grade"
ADVERSE_EVENT = f"{OWN_BASE}/CodeSystem/adverse-event-category"
SAFETY_RULE = f"{OWN_BASE}/CodeSystem/safety-rule"
MITIGATION = f"{OWN_BASE}/CodeSystem/mitigation"
VISIT_KIND = f"{OWN_BASE}/CodeSystem/visit-kind"
PRIMARY_DIAGNOSIS = f"{OWN_BASE}/StructureDefinition/primary-diagnosis"
