"""Decimal literals as exact rationals: parsed here (never through `decimal`, whose contexts raise on long
inputs), compared at any length.

The rules (README): a decimal against an exact value must give at least `min_sig_digits` significant digits
and agree with every digit given (rounded or truncated); a decimal *reference* accepts the values that round
to it at its precision only when it has 3 or more significant digits (7.777 = 7.78), else the value must be
equal (0.14 != 0.1).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

_LITERAL = re.compile(r"([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d{1,4}))?")
WINDOW_MIN_SIG = 3  # a decimal reference with fewer significant digits is an exact value


@dataclass(frozen=True)
class DecimalLiteral:
    """A decimal as written: its exact value, the places after the point and its significant digits."""

    value: Fraction
    places: int
    sig: int

    @property
    def ulp(self) -> Fraction:
        return Fraction(1, 10**self.places) if self.places >= 0 else Fraction(10 ** (-self.places))


def parse_decimal(text: str) -> DecimalLiteral | None:
    m = _LITERAL.fullmatch(text.strip())
    if m is None or not (m.group(2) or m.group(3)):
        return None
    sign, whole, frac, exp = m.group(1), m.group(2) or "", m.group(3) or "", int(m.group(4) or 0)
    digits = (whole + frac).lstrip("0")
    value = Fraction(int(whole + frac or "0"), 10 ** len(frac)) * Fraction(10) ** exp
    return DecimalLiteral(-value if sign == "-" else value, len(frac) - exp, max(1, len(digits)))


def _approx(x: sympy.Basic, places: int) -> Fraction | None:
    """`x` as a rational close enough to decide rounding at `places` (exact when x is rational)."""
    if x.is_Rational:
        return Fraction(int(x.p), int(x.q))
    if not x.is_real:
        return None
    try:
        mag = abs(float(sympy.N(x, 15)))
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(mag):
        return None
    digits = max(places, 0) + max(1, int(math.log10(mag)) + 1 if mag > 0 else 1) + 12
    approx = sympy.Rational(sympy.N(x, min(digits, 4000)))
    return Fraction(int(approx.p), int(approx.q))


def rounds_to(x: sympy.Basic, lit: DecimalLiteral, truncated_too: bool) -> bool:
    """Does `x` round (half up or half even; or truncate, when allowed) to the literal at its precision?"""
    v = _approx(x, lit.places)
    if v is None:
        return False
    if abs(v - lit.value) * 2 <= lit.ulp:
        return True
    if truncated_too and (v >= 0) == (lit.value >= 0):
        return abs(lit.value) <= abs(v) < abs(lit.value) + lit.ulp
    return False


def decimal_matches(decimal: str, exact: sympy.Basic, reference_is_decimal: bool, min_sig: int) -> bool:
    """Does the decimal literal `decimal` stand for `exact` (see the module's rules)?"""
    lit = parse_decimal(decimal)
    if lit is None:
        return False
    if reference_is_decimal:
        if lit.sig < WINDOW_MIN_SIG:
            return bool(exact.is_Rational and Fraction(int(exact.p), int(exact.q)) == lit.value)
        return rounds_to(exact, lit, truncated_too=False)
    return lit.sig >= min_sig and rounds_to(exact, lit, truncated_too=True)


def decimals_equal(gold: str, pred: str) -> bool:
    """Two decimals: equal values, or a longer prediction that rounds to a reference of >= 3 digits."""
    g, p = parse_decimal(gold), parse_decimal(pred)
    if g is None or p is None:
        return False
    if g.value == p.value:
        return True
    if g.sig < WINDOW_MIN_SIG or p.places <= g.places:
        return False
    return abs(p.value - g.value) * 2 <= g.ulp and not (
        abs(p.value - g.value) * 2 == g.ulp and p.value < g.value
    )
