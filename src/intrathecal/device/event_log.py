"""The pump's on-board event log: numbered entries, optionally bounded like a device's memory."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType

from intrathecal.device.errors import DeviceInputError
from intrathecal.device.events import LogEntry, LogKind


class EventLog:
    """Entries oldest first; sequence numbers keep counting when old entries are dropped."""

    def __init__(self, capacity: int | None = None) -> None:
        if capacity is not None and (isinstance(capacity, bool) or capacity < 1):
            raise DeviceInputError(
                f"log_capacity must be a positive whole number, got {capacity!r}"
            )
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._written = 0

    def append(self, at: datetime, kind: LogKind, message: str, **details: str) -> None:
        """Write one entry at ``at``."""
        self._written += 1
        self._entries.append(LogEntry(self._written, at, kind, message, MappingProxyType(details)))

    @property
    def entries(self) -> Sequence[LogEntry]:
        """The retained entries, oldest first."""
        return tuple(self._entries)

    def since(self, seq: int) -> Sequence[LogEntry]:
        """Entries with a sequence number above ``seq`` (entries are numbered from 1)."""
        first = self._written - len(self._entries) + 1
        skip = max(seq - first + 1, 0)
        return tuple(itertools.islice(self._entries, skip, None))
