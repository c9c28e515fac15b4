"""A paired pump, endpoint, programmer and patient controller for end-to-end tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from intrathecal.core.program_spec import prescription_from_dict
from intrathecal.core.quantities import Volume
from intrathecal.core.safety import DosingProfile, OpioidStatus, Override
from intrathecal.device.endpoint import PumpEndpoint
from intrathecal.device.models import default_catheter
from intrathecal.device.patient_controller import PatientController
from intrathecal.device.programmer import ClinicianProgrammer
from intrathecal.device.pump import Pump
from intrathecal.device.telemetry.frame import LinkRole

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

RX = prescription_from_dict(
    {
        "solution": [{"drug": "morphine", "concentration": "10 mg/mL"}],
        "basal": {"continuous": "0.3 mL/day"},
        "patient_bolus": {
            "volume": "0.02 mL",
            "duration": "5 min",
            "lockout": "4 h",
            "max_per_day": 3,
        },
    }
)

#: The patient of the rig takes systemic opioids; RX starts above the usual (naive) start.
TOLERANT = DosingProfile(opioid_status=OpioidStatus.TOLERANT)
START_OVERRIDE = Override(
    frozenset({"starting_dose"}), "established on systemic opioids", "dr-a", "dr-b"
)


@dataclass
class Rig:
    """Everything wired together, with the raw transport log for replay tests."""

    pump: Pump
    endpoint: PumpEndpoint
    programmer: ClinicianProgrammer
    patient: PatientController
    sent: list[bytes]

    def transport(self, data: bytes) -> bytes:
        self.sent.append(data)
        return self.endpoint.handle(data)


def rig(*, filled: bool = True) -> Rig:
    """A 20 mL pump; when ``filled``, refilled to 20 mL and running ``RX``."""
    catheter = default_catheter()
    pump = Pump("synchromed-ii-20", catheter, "SN-E2E", START, catheter_primed=True)
    endpoint = PumpEndpoint(pump)
    clin = endpoint.pair(LinkRole.CLINICIAN)
    pat = endpoint.pair(LinkRole.PATIENT)
    sent: list[bytes] = []
    holder: list[Rig] = []

    def transport(data: bytes) -> bytes:
        return holder[0].transport(data)

    programmer = ClinicianProgrammer(
        clin, transport, catheter_volume=catheter.volume, profile=TOLERANT
    )
    patient = PatientController(pat, transport)
    r = Rig(pump, endpoint, programmer, patient, sent)
    holder.append(r)
    if filled:
        pump.refill(added=Volume.parse("20 mL"), solution=RX.solution)
        outcome = programmer.program(RX, override=START_OVERRIDE)
        assert outcome.applied, outcome.unaccepted
    return r
