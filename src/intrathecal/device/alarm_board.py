"""Which alarms are sounding now and every alarm raised so far."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from intrathecal.device.events import Alarm, AlarmKind


class AlarmBoard:
    """Active alarms by kind (one each) and the full history in time order."""

    def __init__(self) -> None:
        self._active: dict[AlarmKind, Alarm] = {}
        self._history: list[Alarm] = []

    def raise_(self, kind: AlarmKind, at: datetime, message: str) -> Alarm:
        """Sound ``kind`` at ``at`` (replacing an active one of the same kind)."""
        alarm = Alarm(kind, at, message)
        self._active[kind] = alarm
        self._history.append(alarm)
        return alarm

    def clear(self, kind: AlarmKind) -> bool:
        """Silence ``kind``; True if it was sounding."""
        return self._active.pop(kind, None) is not None

    def is_active(self, kind: AlarmKind) -> bool:
        """Whether ``kind`` is sounding."""
        return kind in self._active

    @property
    def active(self) -> tuple[Alarm, ...]:
        """The sounding alarms."""
        return tuple(self._active.values())

    @property
    def history(self) -> Sequence[Alarm]:
        """Every alarm raised, in time order."""
        return tuple(self._history)

    def raised_since(self, count: int) -> list[Alarm]:
        """Alarms raised after the first ``count``."""
        return list(self._history[count:])

    def __len__(self) -> int:
        return len(self._history)
