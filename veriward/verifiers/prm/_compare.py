"""Comparing the two sides of a numeric claim: exact, or at the precision the step writes.

- `exact`: equal values (irrationals compared at 50 digits). One exception, the precision a number states:
  a side that is one decimal literal (`0.33`) facing a value with more digits than it writes (`1/3`) is a
  rounded value, and holds only if it is that value rounded (or truncated) at its own last digit. `1/3 =
  0.33` holds; `2.5 + 1.2 = 3.8` does not (3.7 has one decimal); `\\sqrt{2} = 1.42` does not.
- `approx` (the step says it approximates: `\\approx`, "approximately", "rounded to"): each decimal literal
  stands for a value rounded at its last digit (half a unit either way), a side that is one integer for a
  value rounded to its trailing zeros (`33`, `2900`); the claim holds when the sides differ by no more than
  those roundings carried through the arithmetic.
- `quotient` (the sentence speaks of whole parts: "remainder", "whole", "complete"): a non-integer value
  facing one integer holds when the integer is its floor or ceiling, and nothing else.
There is no percentage slack anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import sympy

from veriward.verifiers.prm._expr import Parsed

Mode = Literal["exact", "approx", "quotient"]
DIGITS = 50
CARRIED_PLACES = 3  # a literal with this many decimals is a rounded value carried over (2.8284), not a price
# How far rounding its decimal literals (those with at least the given places) can move a side's value.
Spread = Callable[[Parsed, int], sympy.Expr]


def value(e: sympy.Expr) -> sympy.Float:
    return sympy.N(e, DIGITS)


def equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    if a.is_Rational and b.is_Rational:
        return bool(a == b)
    va, vb = value(a), value(b)
    return bool(abs(va - vb) <= sympy.Float(10) ** (10 - DIGITS) * max(abs(va), abs(vb), 1))


def _representable(e: sympy.Expr, unit: sympy.Rational) -> bool:
    return bool(e.is_Rational and (e / unit).is_Integer)


def rounds_to(exact: sympy.Expr, written: sympy.Expr, unit: sympy.Rational) -> bool:
    """`written` is `exact` rounded (half up or half even) or truncated at `unit`."""
    v = value(exact)
    if abs(v - value(written)) <= unit / 2 * (1 + sympy.Float(10) ** -30):
        return True
    truncated = sympy.sign(exact) * sympy.floor(abs(exact) / unit) * unit
    return bool(truncated == written)


def _bare_unit(p: Parsed, approx: bool) -> sympy.Rational | None:
    """The rounding unit a side states, if it is one number: its last digit (an integer in an approximation
    also its trailing zeros)."""
    if p.bare is None:
        return None
    unit = p.bare.unit
    if approx and unit == 1 and p.expr.is_Integer and p.expr != 0:
        n = abs(int(p.expr))
        while n % 10 == 0:
            n //= 10
            unit *= 10
    return unit


def _numbers(a: Parsed, b: Parsed) -> tuple[sympy.Expr, sympy.Expr] | None:
    ea, eb = a.expr, b.expr
    if ea.free_symbols or eb.free_symbols or not (ea.is_number and eb.is_number):
        return None
    return ea, eb


def _complex_equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    d = sympy.expand(a - b)
    return bool(d == 0 or abs(complex(sympy.N(d, DIGITS))) <= 1e-30 * max(1.0, abs(complex(sympy.N(a)))))


def _order(rel: str, ea: sympy.Expr, eb: sympy.Expr) -> bool:
    if equal(ea, eb):
        return rel in ("<=", ">=")
    if rel == "!=":
        return True
    less = bool(value(ea) < value(eb))
    return less if rel in ("<", "<=") else not less


def compare(a: Parsed, b: Parsed, rel: str, mode: Mode, spread: Spread) -> bool | None:
    """Whether `a rel b` holds between two numeric sides; None when the sides are not real numbers."""
    nums = _numbers(a, b)
    if nums is None:
        return None
    ea, eb = (e if e.is_real is not None else sympy.expand(e) for e in nums)  # (5 - 8i)(30 + 48i)
    if not (ea.is_real and eb.is_real):  # complex numbers: equal or not, nothing in between
        if ea.is_real is None or eb.is_real is None or rel not in ("=", "!="):
            return None
        return _complex_equal(ea, eb) == (rel == "=")
    if rel not in ("=", "≈"):
        return _order(rel, ea, eb)
    if equal(ea, eb):
        return True
    if rel == "≈" or mode == "approx":
        return _approx(a, b, spread)
    if mode == "quotient":
        for whole, other in ((b, ea), (a, eb)):
            if (
                whole.bare is not None
                and whole.expr.is_Integer
                and other.is_Rational
                and not other.is_Integer
            ):
                return bool(whole.expr in (sympy.floor(other), sympy.ceiling(other)))
    for written, other in ((b, ea), (a, eb)):
        unit = _bare_unit(written, False)
        if unit is not None and unit < 1 and not _representable(other, unit):
            return rounds_to(other, written.expr, unit)
    if any(lit.places >= CARRIED_PLACES for lit in a.literals + b.literals):
        return _approx(a, b, spread, carried=True)
    return False


def _approx(a: Parsed, b: Parsed, spread: Spread, carried: bool = False) -> bool | None:
    """Equal within the roundings the sides write. `carried`: an exact step where only long decimals
    (`(2.8284)^2 = 8`) count as rounded; short ones such as prices, and integers, are exact."""
    budget = sympy.Integer(0)
    for side, other in ((a, b), (b, a)):
        if carried:
            budget += spread(side, CARRIED_PLACES)
            continue
        unit = _bare_unit(side, True)
        if unit is not None:
            if rounds_to(other.expr, side.expr, unit):
                return True
            budget += unit / 2
        else:
            budget += spread(side, 1)
    if budget == 0:
        return False if carried else None  # `\\pi \\approx 22/7`: no written precision to hold it to
    return bool(abs(value(a.expr) - value(b.expr)) <= value(budget) * (1 + sympy.Float(10) ** -9))
