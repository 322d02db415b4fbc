"""Algebra a step claims about expressions with variables: identities (a rewrite must hold for every value),
when a written equation is a rewrite rather than an equation to solve, and whether one equation in a
variable follows from another."""

from __future__ import annotations

from typing import Literal

import sympy

from veriward.verifiers.prm._compare import rounds_to
from veriward.verifiers.prm._expr import Parsed

Rewrite = Literal["", "expand", "factor"]  # what the sentence announces


def names_a_quantity(e: sympy.Expr) -> bool:
    """`r`, `r^2`, `ab`: a monomial in symbols, naming a quantity rather than an expression to rewrite."""
    factors = e.args if e.is_Mul else (e,)
    return bool(e.free_symbols) and all(
        f.is_Symbol or (f.is_Pow and f.base.is_Symbol and f.exp.is_Integer) for f in factors
    )


def identity(a: Parsed, b: Parsed) -> bool | None:
    """`B = C` inside `A = B = C`, or an announced expansion: it must hold for every value of the variables
    (rational expressions only; anything with units or decimals is left alone)."""
    syms = a.expr.free_symbols
    if (
        not syms
        or syms != b.expr.free_symbols
        or a.decimals
        or b.decimals
        or a.expr.is_Symbol
        or b.expr.is_Symbol
    ):
        return None  # "b = c = d" or "PA = PB" with other letters states a condition, not a rewrite
    if any(str(s).startswith(("u_", "w_")) or str(s) in ("i", "e") for s in syms):
        return None
    diff = a.expr - b.expr
    if not diff.is_rational_function(*syms):
        return None
    numerator, _ = sympy.fraction(sympy.together(diff))
    return bool(sympy.expand(numerator) == 0)  # (cancel(together(d)) can leave `-1/16 + 1/16` unsummed)


def rewrite_shaped(a: Parsed, b: Parsed, announced: Rewrite) -> bool:
    """Whether `a = b`, in a sentence that announces an expansion or a factorisation, reads as that rewrite
    (an identity to check) rather than an equation: the sides differ by a constant (`(x+1)^2 = x^2 + 2x +
    2` holds for no x), or one is a product of sums and the other a polynomial with the same terms of
    highest degree (`(x + 2)(x - 3) = x^2 + x - 6`). After "expanding" it must also have the monomials of
    the expansion (`(x+1)(x+2) = x^2 + 10` is an equation to solve); a factorisation is an identity
    whatever terms it gets wrong (`x^3 - 7x^2 + 8 = (x - 1)(x^2 - 6x - 8)`)."""
    try:
        diff = sympy.expand(a.expr - b.expr)
    except (TypeError, ValueError, ArithmeticError):
        return False
    if diff.is_number:
        return True
    return _expansion(a, b, exact_terms=announced == "expand")


def _expansion(a: Parsed, b: Parsed, exact_terms: bool) -> bool:
    """A product of sums on one side, on the other a polynomial of the same degree with the same terms of
    highest degree (and, with `exact_terms`, the same monomials)."""

    def factored(e: sympy.Expr) -> bool:
        parts = e.args if e.is_Mul else (e,)
        return any(p.is_Add or (p.is_Pow and p.base.is_Add) for p in parts) and not e.is_Add

    syms = a.expr.free_symbols
    if not syms or syms != b.expr.free_symbols or factored(a.expr) == factored(b.expr):
        return False
    try:
        pa, pb = sympy.Poly(a.expr, *syms), sympy.Poly(b.expr, *syms)
    except sympy.PolynomialError:
        return False
    da, db = pa.total_degree(), pb.total_degree()

    def leading(p: sympy.Poly, d: int) -> set[tuple[tuple[int, ...], sympy.Expr]]:
        return {(m, c) for m, c in p.terms() if sum(m) == d}

    same_terms = set(pa.monoms()) == set(pb.monoms()) or not exact_terms
    return da == db >= 2 and same_terms and leading(pa, da) == leading(pb, db)


def solution_holds(prev: sympy.Poly, cur: sympy.Poly, written: Parsed) -> bool:
    """`prev` and `cur` agree one way or the other: every root of `cur` solves `prev` (a root found, a
    root chosen: `x^2 = 4 => x = 2`) or every root of `prev` solves `cur` (a consequence: `w^3 = 1 =>
    w^4 = w`). A root written as a decimal (`x = 2.33`) may be a real root rounded at its last digit."""
    if cur.degree() == 1 and written.bare is not None and written.bare.unit < 1 and written.decimals:
        c1, c0 = cur.all_coeffs()
        root = -c0 / c1
        if prev.degree() == 1:
            p1, p0 = prev.all_coeffs()
            return rounds_to(-p0 / p1, root, written.bare.unit)
        return any(rounds_to(r, root, written.bare.unit) for r in prev.nroots(n=30) if r.is_real)
    return bool(sympy.rem(prev, sympy.sqf_part(cur)).is_zero or sympy.rem(cur, sympy.sqf_part(prev)).is_zero)
