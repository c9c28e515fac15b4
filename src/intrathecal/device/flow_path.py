"""The fluid path from reservoir to patient: catheter, valve, true-flow factors, contents."""

from __future__ import annotations

from intrathecal.device.catheter import Catheter
from intrathecal.device.contents import Contents


class FlowPath:
    """What really flows: the catheter as it is, a closed valve, true-flow factors, the line.

    ``flow_factor`` is the pump's accuracy (true / programmed flow), ``env_factor`` the
    body-temperature and pressure effect on fixed-rate pumps. The catheter's state is read
    again whenever the catheter object changes (a fault or a revision replaces it).
    """

    def __init__(self, catheter: Catheter, flow_factor: float, contents: Contents) -> None:
        self.catheter = catheter
        self.flow_factor = flow_factor
        self.env_factor = 1.0
        self.valve_closed = False
        self.contents = contents
        self._seen: Catheter | None = None
        self._flows = True
        self._tissue = 0.0

    def k(self, true_volume: float) -> float:
        """True mL per programmed mL from now (0 when nothing can flow)."""
        catheter = self.catheter
        if catheter is not self._seen:
            self._seen = catheter
            self._flows = catheter.flows
            self._tissue = float(catheter.to_tissue)
        flows = self._flows and not self.valve_closed and true_volume > 0.0
        return self.flow_factor * self.env_factor if flows else 0.0

    def pump(self, volume: float) -> None:
        """``volume`` mL leaves the reservoir into the line (its far end to CSF or tissue)."""
        self.contents.pump(volume, self._tissue)
