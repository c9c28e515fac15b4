"""FHIR R4 (4.0.1) edge: one translator per resource (domain -> FHIR and back), no rules.

Export reads a patient's records through ``fhir.chart`` (role policy and audit of the clinic);
import turns a transaction Bundle into the clinic's own commands and runs its use cases in
one transaction (``fhir.importer``). JSON numbers keep the domain's exact decimals
(``fhir.jsonio``).
"""
