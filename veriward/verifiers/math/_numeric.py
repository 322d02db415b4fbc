"""Equality of two scalar expressions: exact first, decimals by their digits, symbols at random points.

Huge values are never built exactly: a tree whose exact value would be enormous (`2^{10^9}`,
`(10^8)!`, towers) is compared structurally, or numerically at bounded precision.
"""

from __future__ import annotations

import contextvars
import math
import random
from fractions import Fraction

import sympy
from sympy.core.function import AppliedUndef

from veriward.verifiers.math._decimal import decimal_matches, decimals_equal, parse_decimal
from veriward.verifiers.math._scalar import Scalar

MAX_EXACT_BITS = 200_000
MAX_EXACT_FACTORIAL = 5_000
MAX_NODES = 2_000
MIN_SIG = contextvars.ContextVar("min_sig_digits", default=6)
_PREC = 40  # decimal digits for numeric checks
_MAX_TERMS = 5000
_POINTS = 4


class Undecidable(Exception):
    """The values cannot be compared within the caps (too large, undefined)."""


def _nodes(e: sympy.Basic) -> int:
    n = 0
    for _ in sympy.preorder_traversal(e):
        n += 1
        if n > MAX_NODES:
            raise Undecidable("expression too large to compare")
    return n


def is_degenerate(e: sympy.Basic) -> str | None:
    """Why `e` can never equal anything (NaN, zoo, an undefined function), or None."""
    if not isinstance(e, sympy.Basic):
        return None
    if e.has(sympy.nan) or e.free_symbols == {sympy.Symbol("nan")}:
        return "NaN"
    if e.has(sympy.zoo):
        return "division by zero"
    if e.atoms(AppliedUndef):
        return "an undefined function"
    return None


def is_huge(e: sympy.Basic) -> bool:
    """True if evaluating `e` exactly could build an enormous number (`2^{10^9}`, `(10^8)!`, towers)."""
    for node in sympy.preorder_traversal(e):
        if isinstance(node, sympy.Pow):
            base, exp = node.args
            if not (base.is_number and exp.is_number):
                continue
            m, b = _magnitude(exp), _magnitude(base)
            if m == math.inf or b == math.inf or m * math.log2(b + 2) > MAX_EXACT_BITS:
                return True
        elif (
            isinstance(node, sympy.factorial | sympy.gamma)
            and node.args[0].is_number
            and _magnitude(node.args[0]) > MAX_EXACT_FACTORIAL
        ):
            return True
    return False


def _magnitude(e: sympy.Basic) -> float:
    """|e| as a float; infinite when it cannot be computed cheaply."""
    if e.is_Integer or e.is_Rational:
        return abs(float(e)) if abs(e.p) < 10**300 else math.inf
    if not e.is_Atom and is_huge(e):
        return math.inf
    try:
        return float(abs(complex(sympy.N(e, 15))))
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return math.inf


def exact_value(e: sympy.Basic) -> sympy.Basic:
    """`e` with its unevaluated arithmetic done (17\\cdot23 -> 391); refuses huge values."""
    _nodes(e)
    if is_huge(e):
        raise Undecidable("value too large to evaluate exactly")
    if e.has(sympy.Sum, sympy.Product):
        e = e.replace(lambda x: isinstance(x, sympy.Sum | sympy.Product), _spell_out)
    return e.doit()


def _spell_out(node: sympy.Basic) -> sympy.Basic:
    """A sum or product with integer limits written out term by term (sympy's symbolic summation can run
    for minutes on `\\sum_{k=2}^{2000} \\binom{2001-k}{1000}`); too many terms cannot be compared."""
    if len(node.limits) != 1:
        raise Undecidable("nested sums are not compared")
    var, lo, hi = node.limits[0]
    if not (lo.is_Integer and hi.is_Integer):
        return node
    count = int(hi) - int(lo) + 1
    if count > _MAX_TERMS:
        raise Undecidable(f"a sum of {count} terms is too long to compare")
    terms = [node.function.xreplace({var: sympy.Integer(i)}) for i in range(int(lo), int(hi) + 1)]
    return sympy.Add(*terms) if isinstance(node, sympy.Sum) else sympy.Mul(*terms)


def numbers_equal(a: sympy.Basic, b: sympy.Basic) -> bool:
    """Two closed-form numbers: exact when rational, else to `_PREC` digits relative."""
    if a.is_Rational and b.is_Rational:
        return bool(a == b)
    if a == b:
        return True
    try:
        va, vb = sympy.N(a, _PREC), sympy.N(b, _PREC)
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        raise Undecidable("could not evaluate") from None
    if not (va.is_number and vb.is_number):
        return False
    if va.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or vb.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return bool(va == vb) and not va.has(sympy.nan, sympy.zoo)
    diff = abs(complex(va - vb)) if not (va.is_real and vb.is_real) else abs(float(va - vb))
    scale = max(abs(complex(va)), abs(complex(vb)))
    if scale == 0 or not math.isfinite(scale):
        return diff == 0
    return diff <= scale * 1e-30


def _floats_to_decimal(e: sympy.Basic) -> str | None:
    """A lone Float (a decimal the grammar parsed) as its shortest digits, to apply the decimal rules."""
    if isinstance(e, sympy.Float):
        return repr(float(e))
    if (
        isinstance(e, sympy.Mul)
        and len(e.args) == 2
        and e.args[0] == -1
        and isinstance(e.args[1], sympy.Float)
    ):
        return "-" + repr(float(e.args[1]))
    return None


def _exact_floats(e: sympy.Basic) -> sympy.Basic:
    """Decimals inside a larger expression (`\\sqrt{10.5}`) are read as the exact values they spell."""
    floats = e.atoms(sympy.Float) if isinstance(e, sympy.Basic) else set()
    if not floats or isinstance(e, sympy.Float):
        return e
    return e.xreplace({f: sympy.Rational(repr(float(f))) for f in floats})


def scalars_equal(gold: Scalar, pred: Scalar) -> bool:
    """The equivalence policy for two scalars (see the README)."""
    g, p = gold.expr, pred.expr
    for e in (g, p):
        _nodes(e)
        why = is_degenerate(e)
        if why:
            raise Undecidable(why)
    if g == p:
        return True
    gd = gold.decimal or _floats_to_decimal(g)
    pd = pred.decimal or _floats_to_decimal(p)
    g, p = _exact_floats(g), _exact_floats(p)
    if (g.free_symbols or p.free_symbols) and not (gd or pd):
        return symbolic_equal(g, p)
    if is_huge(g) or is_huge(p):
        return _huge_equal(g, p)
    gv, pv = exact_value(g), exact_value(p)
    if gd is not None and not gv.free_symbols and not pv.free_symbols:
        return decimal_matches(gd, pv, True, MIN_SIG.get()) if pd is None else decimals_equal(gd, pd)
    if pd is not None and not gv.free_symbols and not pv.free_symbols:
        lit = parse_decimal(pd)
        exact = lit is not None and gv.is_Rational and Fraction(int(gv.p), int(gv.q)) == lit.value
        return bool(exact) or decimal_matches(pd, gv, False, MIN_SIG.get())
    if gv.free_symbols or pv.free_symbols:
        return symbolic_equal(gv, pv)
    return numbers_equal(gv, pv)


def _huge_equal(g: sympy.Basic, p: sympy.Basic) -> bool:
    """Compare values too large to build: same tree, else same leading digits and magnitude."""
    if sympy.srepr(g)[:5000] == sympy.srepr(p)[:5000]:
        return True
    try:
        vg, vp = sympy.N(g, 30), sympy.N(p, 30)
    except Exception:
        raise Undecidable("values too large to compare") from None
    if not (vg.is_Float and vp.is_Float):
        raise Undecidable("values too large to compare")
    if vg == 0 or vp == 0:
        return bool(vg == vp)
    return bool(abs((vg - vp) / vg) < sympy.Float("1e-25"))


def _negligible(slope: sympy.Basic) -> bool:
    """A derivative that is zero up to rounding. Absolute, not relative to the value: a dominant term
    (4^{2017}) must not hide a variable's effect."""
    return bool(slope.is_number and abs(slope) <= sympy.Float("1e-20"))


_UNEVALUATED_OPS = (sympy.Sum, sympy.Product, sympy.Integral, sympy.Limit, sympy.Derivative)


def canonical(e: sympy.Basic) -> sympy.Basic:
    """The tree rebuilt with sympy's ordinary evaluation (sorted sums and products); callers
    have ruled out huge values first."""
    if not e.args or isinstance(e, sympy.MatrixBase):
        return e
    try:
        return e.func(*(canonical(x) for x in e.args))
    except Exception:
        return e


def symbolic_equal(a: sympy.Basic, b: sympy.Basic) -> bool:
    """Expressions in variables: different variables differ; else equal at random points."""
    if is_huge(a) or is_huge(b):
        return _huge_equal(a, b)
    _nodes(a)
    _nodes(b)
    if canonical(a) == canonical(b):
        return True
    if a.has(*_UNEVALUATED_OPS) or b.has(*_UNEVALUATED_OPS):
        return False  # sums, integrals, limits in variables: too slow to sample; same tree only
    # Over the union of the variables: sin^2 x + cos^2 x = 1, but 2x != 2y.
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = random.Random(1234567)
    agreed = 0
    # A variable on one side only must drop out there (sin^2 x + cos^2 x = 1): its derivative is zero.
    # Sampling alone cannot see it under a dominant term (4^{2017} + 2^{x} vs 4^{2017} + 2^{2017}).
    lone = [(e, s) for e, other in ((a, b), (b, a)) for s in e.free_symbols - other.free_symbols]
    slopes = [sympy.diff(e, s) for e, s in lone[:4]]
    for _ in range(_POINTS * 2):
        point = {s: sympy.Rational(rng.randint(-997, 997), rng.randint(101, 997)) for s in syms}
        try:
            va = a.evalf(30, subs=point)
            vb = b.evalf(30, subs=point)
            if any(not _negligible(d.evalf(30, subs=point)) for d in slopes):
                return False
        except Exception:
            continue
        if (
            not (va.is_number and vb.is_number)
            or va.has(sympy.nan, sympy.zoo)
            or vb.has(sympy.nan, sympy.zoo)
        ):
            continue
        # Compared as sympy numbers: a float conversion overflows (inf > inf is False) on huge values.
        diff, scale = abs(va - vb), sympy.Max(abs(va), abs(vb), sympy.Float("1e-300"))
        if not (diff.is_finite and scale.is_finite) or bool(diff > scale * sympy.Float("1e-20")):
            return False
        agreed += 1
        if agreed >= _POINTS:
            return True
    return False
