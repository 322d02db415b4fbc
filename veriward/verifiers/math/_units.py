"""Units of a quantity answer (`5 \\text{ m}`, `45 cm^2`, `30 radians`), through pint's unit registry.

A unit's exponent belongs to the unit (`3\\,\\text{cm}^2` is 3 cm², never 3²). Only units of a fixed list of
common quantities count (length, area, volume, mass, time, speed, angle, energy, ...), so a counting noun
(`12 ways`, `5 points`, `3 turns`) or a word pint would read through a prefix (`units` as micro-nits) is no
unit. The text reaching pint is built here from letters, digits and `*/^` only; pint parses it with its own
tokenizer (nothing is evaluated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# pint's canonical names that a math answer may carry; SI ones may take a prefix (km, mg, ms, mL).
_SI = frozenset(
    _words("meter gram second liter joule watt newton volt ampere hertz pascal byte bit calorie mole kelvin")
)
_OTHER = frozenset(
    _words(
        "inch foot yard mile nautical_mile pound ounce ton tonne minute hour day week year month gallon "
        "quart pint fluid_ounce degree radian acre hectare mile_per_hour kilometer_per_hour knot "
        "degree_Celsius "
        "degree_Fahrenheit electron_volt"
    )
)
_PREFIXES = _words("kilo centi milli micro nano mega giga deci")
_WORD = re.compile(r"[A-Za-z]+")
_GENERIC = _words("unit units sq")  # "square units": a unit-less area


@dataclass(frozen=True)
class Unit:
    """A parsed unit: its text, its dimensionality and its size in base units (exact where it matters)."""

    text: str
    dimension: str
    scale: Any  # sympy number: the unit in base units
    angle: bool = False


@lru_cache(maxsize=1)
def _registry() -> Any:
    import pint

    return pint.UnitRegistry()


def _pint_text(text: str) -> str | None:
    """`square inches` -> `inch**2`, `cm^2` -> `cm**2`, `m/s`; None if a word is not a unit."""
    s = text.replace("²", "^2").replace("³", "^3").replace("\\cdot", "*")
    s = re.sub(r"\^\s*\{?\s*(\d)\s*\}?", r"**\1", s)
    s = re.sub(r"\b(?:sq\.?|square)\s+([A-Za-z]+)", r"\1**2", s, flags=re.I)
    s = re.sub(r"\bcubic\s+([A-Za-z]+)", r"\1**3", s, flags=re.I)
    s = re.sub(r"\b([A-Za-z]+)\s+squared\b", r"\1**2", s)
    s = re.sub(r"\b([A-Za-z]+)\s+cubed\b", r"\1**3", s)
    s = re.sub(r"\s+per\s+", "/", s, flags=re.I)
    s = re.sub(r"\s*([*/])\s*", r"\1", s.strip())
    s = re.sub(r"\s+", "*", s)
    if not re.fullmatch(r"[A-Za-z0-9*/]{1,40}", s):
        return None
    return s


def _allowed(word: str) -> bool:
    reg = _registry()
    try:
        parsed = reg.parse_unit_name(word)
    except Exception:
        return False
    for prefix, name, _ in parsed:
        if name in _OTHER and not prefix:
            return True
        if name in _SI and (not prefix or prefix in _PREFIXES):
            return True
    return False


@lru_cache(maxsize=512)
def parse_unit(text: str) -> Unit | None:
    """The unit a trailing unit text names, or None (no unit, a generic or a counting word)."""
    text = re.sub(r"\\(?:text|mathrm|mbox|textrm|operatorname)\s*\{([^{}]*)\}", r" \1 ", text).strip(" .")
    words = _WORD.findall(text)
    if not words or all(w.lower() in _GENERIC for w in words):
        return None
    spec = _pint_text(text)
    if spec is None or not all(_allowed(w) for w in _WORD.findall(spec)):
        return None
    reg = _registry()
    try:
        unit = reg.parse_units(spec)
        base = reg.Quantity(1, unit).to_base_units()
    except Exception:
        return None
    names = {n for n in re.findall(r"[a-z_]+", str(unit))}
    angle = bool(names & {"degree", "radian"})
    scale = _exact(float(base.magnitude), names)
    return Unit(spec, str(base.dimensionality), scale, angle)


def _exact(magnitude: float, names: set[str]) -> Any:
    """The scale as an exact number: pint's floats are exact decimals, except for angles (pi/180)."""
    if "degree" in names and "radian" not in names:
        return sympy.pi / 180
    exact = Fraction(magnitude).limit_denominator(10**12)  # 0.30479999999999996 -> 381/1250
    return sympy.Rational(exact.numerator, exact.denominator)


@lru_cache(maxsize=4096)
def is_unit(word: str) -> bool:
    """Does a word glued to a number name a unit (`cm` in `5cm`)?"""
    return parse_unit(word) is not None


def conversion(gold: Unit | None, pred: Unit | None) -> Any | None:
    """The factor that turns the prediction's number into the reference's unit; 1 when a side has no unit;
    None when the dimensions differ (5 feet is not 5 seconds)."""
    if gold is None or pred is None:
        return sympy.Integer(1)
    if gold.dimension != pred.dimension:
        return None
    return pred.scale / gold.scale


DEGREE = Unit("degree", "dimensionless", sympy.pi / 180, angle=True)

_PIECE = re.compile(
    r"(?:\\(?:text|mathrm|mbox|textrm)\s*\{\s*(?P<t>[A-Za-z][A-Za-z .\-/]{0,30})\}"
    r"|(?<![\\A-Za-z])(?P<w>[A-Za-z]{2,14})\.?"
    r"|(?:(?<=\d\s)|(?<=/))(?P<l>[A-Za-z]))(?P<p>\s*(?:\^\s*\{?\s*[23]\s*\}?|[²³]))?\s*$"
)
_JOIN = re.compile(r"(?:/|\\cdot|\bper)\s*$")
_SPACES = re.compile(r"(?:\s|\\[,;:! ]|~)+$")
# Words that end a value without being a unit here (degrees and percent are marks of their own).
_NOT_UNITS = frozenset(
    _words(
        "and or for where with is are if when then of the a an to degree degrees deg percent percentage pct"
    )
)


def split_unit(text: str) -> tuple[str, str]:
    """`3\\,\\text{cm}^2` -> (`3`, `cm^2`): the value and the unit text trailing it ("" if none)."""
    rest, pieces = text, list[str]()
    for _ in range(4):
        rest = _SPACES.sub("", rest)
        m = _PIECE.search(rest)
        if m is None:
            break
        word = m.group("t") or m.group("w") or m.group("l") or ""
        if word.strip().lower() in _NOT_UNITS:
            break
        pieces.insert(0, word.strip() + (m.group("p") or "").replace(" ", ""))
        rest = rest[: m.start()]
        join = _JOIN.search(_SPACES.sub("", rest))
        if join:
            pieces.insert(0, "/" if join.group(0).strip() in ("/", "per") else "*")
            rest = _SPACES.sub("", rest)[: join.start()]
    rest = _SPACES.sub("", rest)
    if not pieces or not re.search(r"(?:\d|\\pi|\})\s*\)?$", rest) or pieces[0] in ("/", "*"):
        return text, ""
    unit = " ".join(pieces).replace(" / ", "/").replace(" * ", "*")
    if any(len(_WORD.findall(p)[0]) == 1 for p in pieces if _WORD.search(p)) and parse_unit(unit) is None:
        return text, ""  # `3 n`: a lone letter is a variable unless it names a unit (`5 m`)
    return rest, unit
