"""The two validators every exported resource must pass: fhirclient's strict R4 (4.0.1)
models, and HL7's R4 StructureDefinitions through Medplum's validator (Node; set up by
``./dev test``). Neither is ever skipped: a missing validator fails the test."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from fhirclient.models.fhirelementfactory import FHIRElementFactory

from intrathecal.fhir.jsonio import dumps

STRUCTURE_DIR = Path(__file__).parent / "structure"


def validate_r4_models(resource: dict[str, Any]) -> None:
    """Load the resource into fhirclient's R4 model strictly (unknown or ill-typed elements
    and missing required ones raise) and check it serialises back to the same JSON."""
    plain = json.loads(dumps(resource))
    model = FHIRElementFactory.instantiate(plain["resourceType"], plain)
    assert model.as_json() == plain, f"{plain['resourceType']} lost or changed elements"


def validate_structure_definitions(resources: list[dict[str, Any]]) -> int:
    """Validate against HL7's R4 StructureDefinitions; return how many were checked."""
    node = shutil.which("node")
    assert node, "node is required for the StructureDefinition validator (./dev test sets it up)"
    assert (STRUCTURE_DIR / "node_modules" / "@medplum" / "core").is_dir(), (
        "the StructureDefinition validator is not installed: run ./dev test "
        "(npm ci --prefix tests/fhir/structure)"
    )
    run = subprocess.run(
        [node, str(STRUCTURE_DIR / "validate.mjs")],
        input=dumps(resources),
        capture_output=True,
        text=True,
        cwd=STRUCTURE_DIR,
        timeout=300,
        check=False,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.strip()]
    assert run.returncode == 0, f"StructureDefinition validation failed: {lines} {run.stderr}"
    summary = lines[-1]
    assert summary == {"checked": len(resources), "invalid": 0}
    return int(summary["checked"])
