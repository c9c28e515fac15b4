"""Unit-typed clinical quantities with exact rational magnitudes.

Each dimension the dosing core uses is its own immutable type: ``Mass``, ``Volume``,
``Duration``, ``Concentration``, ``VolumeRate`` and ``DoseRate``. A value is always built
with its unit (``Mass(5, "mg")``, ``Mass.parse("500 mcg")``), is stored exactly as a
``Fraction`` of its base unit, and can only be combined with values whose dimensions make
sense (a concentration times a volume is a mass; a mass plus a volume is an error).
A bare number never stands for a dose: there is no way to build one without a unit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import ClassVar, Self, TypeVar, overload

from intrathecal.core.errors import InvalidQuantity, UnitMismatch

Number = int | Decimal | Fraction | str

# Base units: microgram, millilitre, day. Factors convert one unit into the base unit.
_MASS_UNITS: Mapping[str, Fraction] = {
    "mcg": Fraction(1),
    "µg": Fraction(1),
    "ug": Fraction(1),
    "microgram": Fraction(1),
    "micrograms": Fraction(1),
    "mg": Fraction(1000),
    "milligram": Fraction(1000),
    "milligrams": Fraction(1000),
    "g": Fraction(1_000_000),
    "gram": Fraction(1_000_000),
    "grams": Fraction(1_000_000),
}
_VOLUME_UNITS: Mapping[str, Fraction] = {
    "ml": Fraction(1),
    "milliliter": Fraction(1),
    "milliliters": Fraction(1),
    "millilitre": Fraction(1),
    "millilitres": Fraction(1),
    "µl": Fraction(1, 1000),
    "ul": Fraction(1, 1000),
    "microliter": Fraction(1, 1000),
    "microliters": Fraction(1, 1000),
    "microlitre": Fraction(1, 1000),
    "microlitres": Fraction(1, 1000),
}
_TIME_UNITS: Mapping[str, Fraction] = {
    "day": Fraction(1),
    "days": Fraction(1),
    "d": Fraction(1),
    "h": Fraction(1, 24),
    "hr": Fraction(1, 24),
    "hour": Fraction(1, 24),
    "hours": Fraction(1, 24),
    "min": Fraction(1, 24 * 60),
    "minute": Fraction(1, 24 * 60),
    "minutes": Fraction(1, 24 * 60),
    "s": Fraction(1, 24 * 3600),
    "sec": Fraction(1, 24 * 3600),
    "second": Fraction(1, 24 * 3600),
    "seconds": Fraction(1, 24 * 3600),
    "week": Fraction(7),
    "weeks": Fraction(7),
    "wk": Fraction(7),
}
# Spellings refused outright, with the reason shown to the user.
_REFUSED_UNITS: Mapping[str, str] = {
    "cc": "'cc' is on ISMP's list of error-prone abbreviations (misread as 'u'); write mL",
    "μ": "a prefix alone is not a unit",
    "µ": "a prefix alone is not a unit",
}

_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?)"
# A unit starts with a letter and holds no digits: "1e3 mg" and "1,5 mg" are refused whole.
_QUANTITY_RE = re.compile(rf"^\s*(?P<number>{_NUMBER})\s*(?P<unit>[^\W\d_][^\d]*?)?\s*$")
_NAKED_DECIMAL_RE = re.compile(r"^\s*[+-]?\.\d")


@functools.lru_cache(maxsize=512)
def _normalise_unit(unit: str) -> str:
    """Fold case, the Greek mu and the micro sign, and 'per' into one spelling."""
    text = unit.strip().replace("μ", "µ").lower()  # Greek small mu -> micro sign
    text = re.sub(r"\s+per\s+", "/", text)
    return re.sub(r"\s*/\s*", "/", text)


def _to_fraction(value: Number | float) -> Fraction:
    if isinstance(value, bool):
        raise InvalidQuantity(f"expected a number, got the boolean {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        # The shortest decimal that round-trips the float: what the writer meant.
        return Fraction(Decimal(repr(value)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidQuantity(f"expected a finite number, got {value}")
        return Fraction(value)
    if isinstance(value, str):
        if not re.fullmatch(_NUMBER, value.strip()):
            raise InvalidQuantity(f"expected a plain decimal number such as '0.5', got {value!r}")
        return Fraction(value.strip())
    raise InvalidQuantity(f"expected a number, got {type(value).__name__}")


def format_fraction(value: Fraction, digits: int = 6) -> str:
    """Render an exact value as a decimal with at most ``digits`` significant digits."""
    if value == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = digits
        dec = +(Decimal(value.numerator) / Decimal(value.denominator))
    text = format(dec.normalize(), "f")
    return text


Q = TypeVar("Q", bound="Quantity")

# Memoised unit lookups, keyed by (dimension, spelling as written); only valid units are stored.
_UNIT_CACHE: dict[tuple[str, str], tuple[Fraction, str]] = {}
_UNIT_CACHE_LIMIT = 4096


class Quantity:
    """Base of every unit-typed value: exact magnitude in the dimension's base unit."""

    KIND: ClassVar[str] = "quantity"
    BASE_UNIT: ClassVar[str] = ""
    EXAMPLE: ClassVar[str] = ""
    UNITS: ClassVar[Mapping[str, Fraction]] = {}
    CANONICAL_UNITS: ClassVar[tuple[str, ...]] = ()

    __slots__ = ("_base", "_unit")
    _base: Fraction
    _unit: str

    def __init__(self, magnitude: Number | float, unit: str) -> None:
        factor, spelled = self._factor(unit)
        object.__setattr__(self, "_base", _to_fraction(magnitude) * factor)
        object.__setattr__(self, "_unit", spelled)

    # --- construction -------------------------------------------------------------
    @classmethod
    def _factor(cls, unit: str) -> tuple[Fraction, str]:
        if not isinstance(unit, str):
            raise InvalidQuantity(f"expected a {cls.KIND} unit as text, got {unit!r}")
        cache_key = (cls.KIND, unit)
        found = _UNIT_CACHE.get(cache_key)
        if found is None:
            found = cls._lookup(unit)
            if len(_UNIT_CACHE) < _UNIT_CACHE_LIMIT:  # spellings come from user input: bound it
                _UNIT_CACHE[cache_key] = found
        return found

    @classmethod
    def _lookup(cls, unit: str) -> tuple[Fraction, str]:
        key = _normalise_unit(unit)
        if key in _REFUSED_UNITS:
            raise InvalidQuantity(f"unit {unit!r} refused: {_REFUSED_UNITS[key]}")
        try:
            factor = cls.UNITS[key]
        except KeyError:
            raise InvalidQuantity(
                f"expected a {cls.KIND} unit (one of {', '.join(cls.CANONICAL_UNITS)}), "
                f"got {unit!r}"
            ) from None
        return factor, _canonical_spelling(key)

    @classmethod
    def _from_base(cls, base: Fraction, unit: str | None = None) -> Self:
        obj = cls.__new__(cls)
        object.__setattr__(obj, "_base", base)
        object.__setattr__(obj, "_unit", unit or cls.BASE_UNIT)
        return obj

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a value with its unit, e.g. ``"10 mg/mL"``; refuse any other dimension."""
        bare = _QUANTITY_RE.match(text) if isinstance(text, str) else None
        if bare is not None and not bare.group("unit"):
            raise InvalidQuantity(
                f"{text.strip()!r} has no unit; expected a {cls.KIND} such as '{cls.EXAMPLE}'"
            )
        quantity = parse_quantity(text)
        if not isinstance(quantity, cls):
            raise InvalidQuantity(
                f"expected a {cls.KIND} such as '{cls.EXAMPLE}', "
                f"got a {quantity.KIND} {text.strip()!r}"
            )
        return quantity

    @classmethod
    def zero(cls) -> Self:
        """The zero of this dimension."""
        return cls._from_base(Fraction(0))

    # --- reading ------------------------------------------------------------------
    def to(self, unit: str) -> Fraction:
        """The exact magnitude in ``unit``; a unit of another dimension is an error."""
        factor, _ = self._factor(unit)
        return self._base / factor

    def in_unit(self, unit: str) -> Self:
        """The same value, displayed in ``unit``."""
        _, spelled = self._factor(unit)
        return self._from_base(self._base, spelled)

    @property
    def unit(self) -> str:
        """The unit this value is displayed in."""
        return self._unit

    @property
    def magnitude(self) -> Fraction:
        """The exact magnitude in the display unit."""
        return self.to(self._unit)

    def format(self, unit: str | None = None, digits: int = 6) -> str:
        """Human text such as ``"0.5 mg/day"``, in ``unit`` or the display unit."""
        shown = unit or self._unit
        _, spelled = self._factor(shown)
        return f"{format_fraction(self.to(shown), digits)} {spelled}"

    def is_negative(self) -> bool:
        """True when the value is below zero."""
        return self._base < 0

    def is_zero(self) -> bool:
        """True when the value is exactly zero."""
        return self._base == 0

    def __float__(self) -> float:
        raise UnitMismatch(
            f"a {self.KIND} has no unit-free float; call .to('<unit>') to choose the unit"
        )

    def __bool__(self) -> bool:
        return self._base != 0

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.format()!r})"

    def __str__(self) -> str:
        return self.format()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._base))

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self._base / self.UNITS[self._unit.lower()], self._unit))

    # --- arithmetic within one dimension ---------------------------------------------
    def _same(self, other: object, op: str) -> Fraction:
        if type(other) is not type(self):
            kind = other.KIND if isinstance(other, Quantity) else type(other).__name__
            raise UnitMismatch(f"cannot {op} a {self.KIND} and a {kind}")
        assert isinstance(other, Quantity)
        return other._base

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quantity):
            return type(other) is type(self) and other._base == self._base
        return NotImplemented

    def __lt__(self, other: Self) -> bool:
        return self._base < self._same(other, "compare")

    def __le__(self, other: Self) -> bool:
        return self._base <= self._same(other, "compare")

    def __gt__(self, other: Self) -> bool:
        return self._base > self._same(other, "compare")

    def __ge__(self, other: Self) -> bool:
        return self._base >= self._same(other, "compare")

    def __add__(self, other: Self) -> Self:
        return self._from_base(self._base + self._same(other, "add"), self._unit)

    def __sub__(self, other: Self) -> Self:
        return self._from_base(self._base - self._same(other, "subtract"), self._unit)

    def __neg__(self) -> Self:
        return self._from_base(-self._base, self._unit)

    def __abs__(self) -> Self:
        return self._from_base(abs(self._base), self._unit)

    def scaled(self, factor: Number) -> Self:
        """This value times a dimensionless factor."""
        return self._from_base(self._base * _to_fraction(factor), self._unit)

    def ratio(self, other: Self) -> Fraction:
        """The dimensionless ratio ``self / other`` of two values of one dimension."""
        denominator = self._same(other, "divide")
        if denominator == 0:
            raise InvalidQuantity(f"cannot divide by a zero {self.KIND}")
        return self._base / denominator


def _canonical_spelling(key: str) -> str:
    parts = key.split("/")
    return "/".join(_SPELLING.get(part, part) for part in parts)


_SPELLING: Mapping[str, str] = {
    **dict.fromkeys(["mcg", "µg", "ug", "microgram", "micrograms"], "mcg"),
    **dict.fromkeys(["mg", "milligram", "milligrams"], "mg"),
    **dict.fromkeys(["g", "gram", "grams"], "g"),
    **dict.fromkeys(["ml", "milliliter", "milliliters", "millilitre", "millilitres"], "mL"),
    **dict.fromkeys(["µl", "ul", "microliter", "microliters", "microlitre", "microlitres"], "µL"),
    **dict.fromkeys(["day", "days", "d"], "day"),
    **dict.fromkeys(["h", "hr", "hour", "hours"], "h"),
    **dict.fromkeys(["min", "minute", "minutes"], "min"),
    **dict.fromkeys(["s", "sec", "second", "seconds"], "s"),
    **dict.fromkeys(["week", "weeks", "wk"], "week"),
}


def _ratio_units(
    numerators: Mapping[str, Fraction], denominators: Mapping[str, Fraction]
) -> dict[str, Fraction]:
    return {
        f"{num}/{den}": fn / fd
        for num, fn in numerators.items()
        for den, fd in denominators.items()
    }


class Mass(Quantity):
    """An amount of drug; base unit microgram."""

    KIND = "mass"
    BASE_UNIT = "mcg"
    EXAMPLE = "500 mcg"
    UNITS = _MASS_UNITS
    CANONICAL_UNITS = ("mcg", "mg", "g")
    __slots__ = ()

    @overload
    def __truediv__(self, other: Volume) -> Concentration: ...
    @overload
    def __truediv__(self, other: Concentration) -> Volume: ...
    @overload
    def __truediv__(self, other: Duration) -> DoseRate: ...
    def __truediv__(self, other: Volume | Concentration | Duration) -> Quantity:
        if isinstance(other, Volume):
            return Concentration._from_base(_div(self._base, other._base, "volume"))
        if isinstance(other, Concentration):
            return Volume._from_base(_div(self._base, other._base, "concentration"))
        if isinstance(other, Duration):
            return DoseRate._from_base(_div(self._base, other._base, "duration"))
        raise UnitMismatch(f"cannot divide a mass by {_kind(other)}")


class Volume(Quantity):
    """A volume of infusate; base unit millilitre."""

    KIND = "volume"
    BASE_UNIT = "mL"
    EXAMPLE = "20 mL"
    UNITS = _VOLUME_UNITS
    CANONICAL_UNITS = ("mL", "µL")
    __slots__ = ()

    @overload
    def __mul__(self, other: Concentration) -> Mass: ...
    @overload
    def __mul__(self, other: int | Fraction | Decimal) -> Volume: ...
    def __mul__(self, other: Concentration | int | Fraction | Decimal) -> Quantity:
        if isinstance(other, Concentration):
            return Mass._from_base(self._base * other._base)
        if isinstance(other, int | Fraction | Decimal) and not isinstance(other, bool):
            return self.scaled(other)
        raise UnitMismatch(f"cannot multiply a volume by {_kind(other)}")

    def __rmul__(self, other: int | Fraction | Decimal) -> Volume:
        return self.scaled(other)

    @overload
    def __truediv__(self, other: VolumeRate) -> Duration: ...
    @overload
    def __truediv__(self, other: Duration) -> VolumeRate: ...
    def __truediv__(self, other: VolumeRate | Duration) -> Quantity:
        if isinstance(other, VolumeRate):
            return Duration._from_base(_div(self._base, other._base, "volume rate"))
        if isinstance(other, Duration):
            return VolumeRate._from_base(_div(self._base, other._base, "duration"))
        raise UnitMismatch(f"cannot divide a volume by {_kind(other)}")


class Duration(Quantity):
    """A span of time; base unit day."""

    KIND = "duration"
    BASE_UNIT = "day"
    EXAMPLE = "4 h"
    UNITS = _TIME_UNITS
    CANONICAL_UNITS = ("day", "h", "min", "s", "week")
    __slots__ = ()

    @classmethod
    def from_seconds(cls, seconds: Number | float) -> Duration:
        """A duration of the given number of seconds."""
        return cls(seconds, "s")

    def seconds(self) -> Fraction:
        """The exact number of seconds."""
        return self.to("s")


class Concentration(Quantity):
    """Drug per volume of infusate; base unit mcg/mL."""

    KIND = "concentration"
    BASE_UNIT = "mcg/mL"
    EXAMPLE = "10 mg/mL"
    UNITS = _ratio_units(_MASS_UNITS, _VOLUME_UNITS)
    CANONICAL_UNITS = ("mg/mL", "mcg/mL")
    __slots__ = ()

    @overload
    def __mul__(self, other: Volume) -> Mass: ...
    @overload
    def __mul__(self, other: VolumeRate) -> DoseRate: ...
    def __mul__(self, other: Volume | VolumeRate) -> Quantity:
        if isinstance(other, Volume):
            return Mass._from_base(self._base * other._base)
        if isinstance(other, VolumeRate):
            return DoseRate._from_base(self._base * other._base)
        raise UnitMismatch(f"cannot multiply a concentration by {_kind(other)}")


class VolumeRate(Quantity):
    """Pump flow; base unit mL/day."""

    KIND = "volume rate"
    BASE_UNIT = "mL/day"
    EXAMPLE = "0.5 mL/day"
    UNITS = _ratio_units(_VOLUME_UNITS, _TIME_UNITS)
    CANONICAL_UNITS = ("mL/day", "mL/h", "µL/h", "µL/day")
    __slots__ = ()

    @overload
    def __mul__(self, other: Concentration) -> DoseRate: ...
    @overload
    def __mul__(self, other: Duration) -> Volume: ...
    def __mul__(self, other: Concentration | Duration) -> Quantity:
        if isinstance(other, Concentration):
            return DoseRate._from_base(self._base * other._base)
        if isinstance(other, Duration):
            return Volume._from_base(self._base * other._base)
        raise UnitMismatch(f"cannot multiply a volume rate by {_kind(other)}")


class DoseRate(Quantity):
    """Drug delivered per time; base unit mcg/day."""

    KIND = "dose rate"
    BASE_UNIT = "mcg/day"
    EXAMPLE = "500 mcg/day"
    UNITS = _ratio_units(_MASS_UNITS, _TIME_UNITS)
    CANONICAL_UNITS = ("mg/day", "mcg/day", "mcg/h", "mg/h")
    __slots__ = ()

    @overload
    def __truediv__(self, other: Concentration) -> VolumeRate: ...
    @overload
    def __truediv__(self, other: VolumeRate) -> Concentration: ...
    def __truediv__(self, other: Concentration | VolumeRate) -> Quantity:
        if isinstance(other, Concentration):
            return VolumeRate._from_base(_div(self._base, other._base, "concentration"))
        if isinstance(other, VolumeRate):
            return Concentration._from_base(_div(self._base, other._base, "volume rate"))
        raise UnitMismatch(f"cannot divide a dose rate by {_kind(other)}")

    def __mul__(self, other: Duration) -> Mass:
        if isinstance(other, Duration):
            return Mass._from_base(self._base * other._base)
        raise UnitMismatch(f"cannot multiply a dose rate by {_kind(other)}")


def _div(numerator: Fraction, denominator: Fraction, what: str) -> Fraction:
    if denominator == 0:
        raise InvalidQuantity(f"cannot divide by a zero {what}")
    return numerator / denominator


def _kind(value: object) -> str:
    if isinstance(value, Quantity):
        return f"a {value.KIND}"
    return f"a {type(value).__name__}"


QUANTITY_TYPES: tuple[type[Quantity], ...] = (
    Mass,
    Volume,
    Duration,
    Concentration,
    VolumeRate,
    DoseRate,
)


def parse_quantity(text: str) -> Quantity:
    """Read any supported quantity from text like ``"0.25 mL/day"``; the unit is required."""
    if not isinstance(text, str):
        raise InvalidQuantity(f"expected text such as '10 mg/mL', got {type(text).__name__}")
    if _NAKED_DECIMAL_RE.match(text):
        raise InvalidQuantity(
            f"{text.strip()!r}: write a leading zero (0.5, not .5); "
            "a naked decimal point is an ISMP error-prone notation"
        )
    match = _QUANTITY_RE.match(text)
    if match is None:
        raise InvalidQuantity(
            f"expected a number followed by a unit, such as '10 mg/mL', got {text!r}"
        )
    number, unit = match.group("number"), match.group("unit")
    if not unit:
        raise InvalidQuantity(
            f"{text.strip()!r} has no unit; write the unit, e.g. '{number} mg' or '{number} mg/mL'"
        )
    key = _normalise_unit(unit)
    if key in _REFUSED_UNITS:
        raise InvalidQuantity(f"unit {unit!r} refused: {_REFUSED_UNITS[key]}")
    for kind in QUANTITY_TYPES:
        if key in kind.UNITS:
            return kind(number, key)
    raise InvalidQuantity(
        f"unknown unit {unit!r} in {text.strip()!r}; expected a mass (mg, mcg), volume "
        "(mL, µL), duration (day, h, min), concentration (mg/mL, mcg/mL), volume rate "
        "(mL/day, µL/h) or dose rate (mg/day, mcg/day)"
    )


def mg(value: Number) -> Mass:
    """A mass in milligrams."""
    return Mass(value, "mg")


def mcg(value: Number) -> Mass:
    """A mass in micrograms."""
    return Mass(value, "mcg")


def ml(value: Number) -> Volume:
    """A volume in millilitres."""
    return Volume(value, "mL")


def days(value: Number) -> Duration:
    """A duration in days."""
    return Duration(value, "day")


def hours(value: Number) -> Duration:
    """A duration in hours."""
    return Duration(value, "h")
