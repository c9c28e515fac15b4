"""Payload primitives: fixed-width big-endian integers, short text, and quantities in fixed units.

Quantities never travel as floats. Each dimension has one wire unit and width:

======================  ===================  ======================
quantity                wire unit            width
======================  ===================  ======================
Volume                  nanolitre (nL)       unsigned 32 bit
VolumeRate              nanolitre per day    unsigned 32 bit
Duration                second               unsigned 32 bit
Concentration           nanogram per mL      unsigned 32 bit
Mass                    nanogram             unsigned 64 bit
DoseRate                nanogram per day     unsigned 64 bit
time stamp              µs since Unix epoch  signed 64 bit (UTC)
======================  ===================  ======================

A value that is not a whole number of its wire unit is refused (``NOT_REPRESENTABLE``),
never rounded silently.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from intrathecal.core.quantities import (
    Concentration,
    DoseRate,
    Duration,
    Mass,
    Quantity,
    Volume,
    VolumeRate,
)
from intrathecal.device.telemetry.errors import ErrorCode, TelemetryError

_U8 = struct.Struct(">B")
_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_U64 = struct.Struct(">Q")
_I64 = struct.Struct(">q")

U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (unit the quantity is read in, how many wire units make one of it)
_NL_PER_ML = Fraction(1_000_000)
_NG_PER_MCG = Fraction(1000)


def _whole(value: Fraction, what: str) -> int:
    if value.denominator != 1:
        raise TelemetryError(
            ErrorCode.NOT_REPRESENTABLE, f"{what} is not a whole number of its wire unit"
        )
    return value.numerator


def _wire_int(quantity: Quantity, unit: str, scale: Fraction, what: str) -> int:
    return _whole(quantity.to(unit) * scale, f"{what} {quantity}")


def nearest_volume(value: Volume) -> Volume:
    """``value`` rounded to the nearest nanolitre: for *reported* measurements only.

    Commands are never rounded (an inexact command is ``NOT_REPRESENTABLE``); a pump's own
    calculated volume is a float-derived estimate and is reported at wire resolution.
    """
    return Volume(Fraction(round(value.to("mL") * _NL_PER_ML), 1_000_000), "mL")


def nearest_volume_rate(value: VolumeRate) -> VolumeRate:
    """``value`` rounded to the nearest nanolitre per day (reported values only)."""
    return VolumeRate(Fraction(round(value.to("mL/day") * _NL_PER_ML), 1_000_000), "mL/day")


class Writer:
    """Builds a payload; every ``put_*`` checks the value fits its field."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def bytes(self) -> bytes:
        """The payload written so far."""
        return b"".join(self._parts)

    def _int(self, fmt: struct.Struct, value: int, low: int, high: int, what: str) -> None:
        if not low <= value <= high:
            raise TelemetryError(ErrorCode.OUT_OF_RANGE, f"{what} {value} is outside {low}..{high}")
        self._parts.append(fmt.pack(value))

    def u8(self, value: int, what: str = "value") -> None:
        """An unsigned 8-bit integer."""
        self._int(_U8, value, 0, 0xFF, what)

    def u16(self, value: int, what: str = "value") -> None:
        """An unsigned 16-bit integer."""
        self._int(_U16, value, 0, 0xFFFF, what)

    def u32(self, value: int, what: str = "value") -> None:
        """An unsigned 32-bit integer."""
        self._int(_U32, value, 0, U32_MAX, what)

    def u64(self, value: int, what: str = "value") -> None:
        """An unsigned 64-bit integer."""
        self._int(_U64, value, 0, U64_MAX, what)

    def flag(self, value: bool) -> None:
        """A boolean as one byte, 0 or 1."""
        self.u8(1 if value else 0)

    def text(self, value: str, what: str = "text") -> None:
        """UTF-8 text prefixed by its byte length (at most 255 bytes)."""
        data = value.encode("utf-8")
        self.u8(len(data), f"{what} length")
        self._parts.append(data)

    def volume(self, value: Volume, what: str = "volume") -> None:
        """A volume as whole nanolitres."""
        self.u32(_wire_int(value, "mL", _NL_PER_ML, what), f"{what} (nL)")

    def volume_rate(self, value: VolumeRate, what: str = "rate") -> None:
        """A flow as whole nanolitres per day."""
        self.u32(_wire_int(value, "mL/day", _NL_PER_ML, what), f"{what} (nL/day)")

    def duration(self, value: Duration, what: str = "duration") -> None:
        """A duration as whole seconds."""
        self.u32(_wire_int(value, "s", Fraction(1), what), f"{what} (s)")

    def concentration(self, value: Concentration, what: str = "concentration") -> None:
        """A concentration as whole nanograms per mL."""
        self.u32(_wire_int(value, "mcg/mL", _NG_PER_MCG, what), f"{what} (ng/mL)")

    def mass(self, value: Mass, what: str = "mass") -> None:
        """A mass as whole nanograms."""
        self.u64(_wire_int(value, "mcg", _NG_PER_MCG, what), f"{what} (ng)")

    def dose_rate(self, value: DoseRate, what: str = "dose rate") -> None:
        """A dose rate as whole nanograms per day."""
        self.u64(_wire_int(value, "mcg/day", _NG_PER_MCG, what), f"{what} (ng/day)")

    def timestamp(self, value: datetime, what: str = "time") -> None:
        """An aware datetime as whole microseconds since the Unix epoch (UTC)."""
        if value.tzinfo is None:
            raise TelemetryError(ErrorCode.OUT_OF_RANGE, f"{what} has no time zone")
        delta = value - EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        self._int(_I64, micros, -(2**63), 2**63 - 1, what)


class Reader:
    """Reads a payload field by field; any shortfall or leftover is ``MALFORMED_PAYLOAD``."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def _take(self, size: int, what: str) -> bytes:
        end = self._pos + size
        if end > len(self._data):
            raise TelemetryError(
                ErrorCode.MALFORMED_PAYLOAD, f"payload ends inside {what} at byte {self._pos}"
            )
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def _unpack(self, fmt: struct.Struct, what: str) -> int:
        value: int = fmt.unpack(self._take(fmt.size, what))[0]
        return value

    def finish(self) -> None:
        """Check the whole payload was read."""
        if self._pos != len(self._data):
            raise TelemetryError(
                ErrorCode.MALFORMED_PAYLOAD,
                f"{len(self._data) - self._pos} unexpected bytes after the last field",
            )

    def u8(self, what: str = "value") -> int:
        """An unsigned 8-bit integer."""
        return self._unpack(_U8, what)

    def u16(self, what: str = "value") -> int:
        """An unsigned 16-bit integer."""
        return self._unpack(_U16, what)

    def u32(self, what: str = "value") -> int:
        """An unsigned 32-bit integer."""
        return self._unpack(_U32, what)

    def u64(self, what: str = "value") -> int:
        """An unsigned 64-bit integer."""
        return self._unpack(_U64, what)

    def flag(self, what: str = "flag") -> bool:
        """A boolean byte; anything but 0 or 1 is malformed."""
        value = self.u8(what)
        if value > 1:
            raise TelemetryError(ErrorCode.MALFORMED_PAYLOAD, f"{what} must be 0 or 1, got {value}")
        return value == 1

    def text(self, what: str = "text") -> str:
        """Length-prefixed UTF-8 text."""
        size = self.u8(f"{what} length")
        raw = self._take(size, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise TelemetryError(
                ErrorCode.MALFORMED_PAYLOAD, f"{what} is not valid UTF-8"
            ) from None

    def volume(self, what: str = "volume") -> Volume:
        """A volume from whole nanolitres."""
        return Volume(Fraction(self.u32(what)) / _NL_PER_ML, "mL")

    def volume_rate(self, what: str = "rate") -> VolumeRate:
        """A flow from whole nanolitres per day."""
        return VolumeRate(Fraction(self.u32(what)) / _NL_PER_ML, "mL/day")

    def duration(self, what: str = "duration") -> Duration:
        """A duration from whole seconds."""
        return Duration(self.u32(what), "s")

    def concentration(self, what: str = "concentration") -> Concentration:
        """A concentration from whole nanograms per mL."""
        return Concentration(Fraction(self.u32(what)) / _NG_PER_MCG, "mcg/mL")

    def mass(self, what: str = "mass") -> Mass:
        """A mass from whole nanograms."""
        return Mass(Fraction(self.u64(what)) / _NG_PER_MCG, "mcg")

    def dose_rate(self, what: str = "dose rate") -> DoseRate:
        """A dose rate from whole nanograms per day."""
        return DoseRate(Fraction(self.u64(what)) / _NG_PER_MCG, "mcg/day")

    def timestamp(self, what: str = "time") -> datetime:
        """An aware UTC datetime from microseconds since the Unix epoch."""
        micros = self._unpack(_I64, what)
        try:
            return EPOCH + timedelta(microseconds=micros)
        except OverflowError:
            raise TelemetryError(
                ErrorCode.OUT_OF_RANGE, f"{what} {micros} µs is outside the calendar"
            ) from None
