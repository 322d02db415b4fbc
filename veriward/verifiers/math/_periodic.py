"""Solution families of angles, `a + kπ` for every integer k: the same set whatever representative.

`-\\frac{\\pi}{6} + k\\pi` and `\\frac{5\\pi}{6} + n\\pi` are one set of angles; `\\frac{\\pi}{6} + 2k\\pi` is
not `\\frac{\\pi}{6} + k\\pi` (half of it). A family is an expression linear in one integer parameter
(`k`, `n` or `m`) whose period and offset are rational multiples of π, the form trigonometric solutions take.
"""

from __future__ import annotations

import sympy

from veriward.verifiers.math._scalar import Scalar

_PARAMETERS = frozenset({"k", "n", "m"})


def _family(e: object) -> tuple[sympy.Basic, sympy.Basic] | None:
    """(offset, period) of `offset + period * k`, or None when `e` is not such a family."""
    if not isinstance(e, sympy.Expr) or len(e.free_symbols) != 1:
        return None
    (k,) = e.free_symbols
    if getattr(k, "name", "") not in _PARAMETERS:
        return None
    try:
        poly = sympy.Poly(sympy.expand(e), k)
    except (sympy.PolynomialError, sympy.GeneratorsNeeded):
        return None
    if poly.degree() != 1:
        return None
    period, offset = poly.all_coeffs()
    ratios = (sympy.nsimplify(period / sympy.pi), sympy.nsimplify(offset / sympy.pi))
    if period == 0 or not all(r.is_Rational for r in ratios):
        return None
    return offset, period


def same_family(g: Scalar | None, p: Scalar | None) -> bool:
    """Do two answers name one family of angles (same period, offsets a whole number of periods apart)?"""
    if g is None or p is None:
        return False
    fg, fp = _family(g.expr), _family(p.expr)
    if fg is None or fp is None:
        return False
    (a, b), (c, d) = fg, fp
    if sympy.simplify(abs(b) - abs(d)) != 0:
        return False
    steps = sympy.nsimplify((a - c) / b)
    return bool(steps.is_Integer)
