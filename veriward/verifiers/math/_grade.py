"""The grader half: is a parsed prediction equivalent to the parsed reference?"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy
from sympy.core.function import AppliedUndef

from veriward.verifiers.math._numeric import Undecidable, scalars_equal, symbolic_equal
from veriward.verifiers.math._periodic import same_family
from veriward.verifiers.math._scalar import Scalar
from veriward.verifiers.math._structure import Value, flip
from veriward.verifiers.math._units import conversion

_SEQ = ("list", "set", "tuple", "pair")
_INTERVALS = ("interval", "pair", "union")


@dataclass(frozen=True)
class Marks:
    """Percent and degree marks of each side (they allow a rescaled reading)."""

    gold_percent: bool = False
    pred_percent: bool = False
    gold_degree: bool = False
    pred_degree: bool = False


def values_equal(g: Value, p: Value, marks: Marks = Marks()) -> bool:
    """Equivalence of two answers; `Undecidable` propagates when a comparison cannot be decided."""
    if (
        g.kind == "rel"
        and all(op == "=" for op in g.ops)
        and (len(g.items) > 2 or all(map(_closed, g.items)))
    ):
        g = g.items[
            -1
        ]  # a reference chain `1 = \\zzz = x = 0`, or `(\\sqrt2-1)(\\sqrt3+\\sqrt2) = 2-...`: its value
    if g.kind == "rel" and p.kind == "rel":
        return _relations_equal(g, p, marks)
    if g.kind == "rel":
        if g.lhs_name or g.ops == ["in"]:
            return values_equal(g.items[-1], p, marks)
        if p.kind in _INTERVALS or p.kind == "set":
            return _as_set_equal(g, p)
        return False
    if p.kind == "rel":
        if p.lhs_name or p.ops == ["in"]:
            return values_equal(g, p.items[-1], marks)
        if all(op == "=" for op in p.ops) and _closed(p.items[-1]):
            return values_equal(g, p.items[-1], marks)  # `1/2 \$ = 10/9`: the last value is the answer
        if g.kind in _INTERVALS:
            return _as_set_equal(p, g)
        return False
    if g.kind == "scalar" and p.kind == "scalar":
        factor = conversion(g.unit, p.unit)
        if factor is None:  # `5 feet` is not `5 s`
            return False
        scaled = p.scalar if factor == 1 or p.scalar is None else Scalar(p.scalar.expr * factor)
        return _scalar_with_marks(g.scalar, scaled, marks) or same_family(g.scalar, scaled)
    if g.kind == "matrix" or p.kind == "matrix":
        return g.kind == p.kind and _matrices_equal(g, p)
    if g.kind in _INTERVALS and p.kind in _INTERVALS and {g.kind, p.kind} != {"pair"}:
        return _intervals_equal(g, p, marks)
    if g.kind in _SEQ and p.kind in _SEQ:
        return _seqs_equal(g, p, marks)
    if g.kind in _SEQ and len(g.items) == 1:
        return values_equal(g.items[0], p, marks)
    if p.kind in _SEQ and len(p.items) == 1:
        return values_equal(g, p.items[0], marks)
    return False


def _closed(v: Value) -> bool:
    e = v.scalar.expr if v.kind == "scalar" and v.scalar is not None else None
    return isinstance(e, sympy.Basic) and not e.free_symbols


def _scalar_with_marks(g: Scalar | None, p: Scalar | None, marks: Marks) -> bool:
    if g is None or p is None:
        return False
    if scalars_equal(g, p):
        return True
    variants: list[tuple[Scalar, Scalar]] = []
    hundred, deg = sympy.Integer(100), sympy.pi / 180
    if marks.pred_percent and marks.gold_percent:
        return False  # `25\%` against `25\%`: the percentages compare, never a /100 reading of one side
    if marks.pred_percent:
        variants.append((g, Scalar(p.expr / hundred)))
    if marks.gold_percent:
        variants.append((Scalar(g.expr / hundred), p))
    if marks.gold_degree:
        variants.append((Scalar(g.expr * deg), p))
    if marks.pred_degree:
        variants.append((g, Scalar(p.expr * deg)))
    return any(scalars_equal(a, b) for a, b in variants)


def _seqs_equal(g: Value, p: Value, marks: Marks) -> bool:
    if _flat(g) and len(p.items) < len(g.items) and p.items and all(x.kind == "set" for x in p.items):
        # A reference of several answers joined flat (`10,11,12,-2,-1,0`, as OlympiadBench ships its
        # answer lists) against the same answers grouped (`\{10, 11, 12\}, \{-2, -1, 0\}`).
        p = Value("list", items=[y for x in p.items for y in x.items], text=p.text)
    ordered = {g.kind, p.kind} & {"tuple", "pair"}
    if ordered and {g.kind, p.kind} != {"set"}:
        if len(g.items) != len(p.items):
            return False
        if "list" in (g.kind, p.kind) or g.kind == p.kind or {g.kind, p.kind} == {"tuple", "pair"}:
            return all(values_equal(a, b, marks) for a, b in zip(g.items, p.items, strict=True))
        return False
    return _unordered_equal(g.items, p.items, marks)


def _flat(v: Value) -> bool:
    return v.kind == "list" and len(v.items) > 2 and all(x.kind == "scalar" for x in v.items)


def _unordered_equal(gs: list[Value], ps: list[Value], marks: Marks) -> bool:
    """Same elements, order and repeats ignored."""
    return all(any(values_equal(a, b, marks) for b in ps) for a in gs) and all(
        any(values_equal(a, b, marks) for a in gs) for b in ps
    )


def _matrices_equal(g: Value, p: Value) -> bool:
    a, b = (_doit(v.scalar.expr) if v.scalar else None for v in (g, p))
    if not (isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase)):
        if isinstance(a, sympy.Basic) and isinstance(b, sympy.Basic) and not isinstance(a, sympy.MatrixBase):
            return scalars_equal(Scalar(a), Scalar(b))
        return False
    if a.shape != b.shape:
        return False
    return all(scalars_equal(Scalar(x), Scalar(y)) for x, y in zip(a, b, strict=True))


def _doit(e: object) -> object:
    if isinstance(e, sympy.Basic) and not isinstance(e, sympy.MatrixBase) and e.is_Matrix:
        try:
            return e.doit()
        except Exception:
            return e
    return e


def _interval_parts(v: Value) -> list[Value]:
    return v.items if v.kind == "union" else [v]


def _intervals_equal(g: Value, p: Value, marks: Marks) -> bool:
    gs, ps = _interval_parts(g), _interval_parts(p)
    if len(gs) != len(ps) or any(x.kind not in ("interval", "pair", "set") for x in gs + ps):
        return _as_set_equal(g, p)
    return all(any(_interval_equal(a, b, marks) for b in ps) for a in gs) and all(
        any(_interval_equal(a, b, marks) for a in gs) for b in ps
    )


def _interval_equal(a: Value, b: Value, marks: Marks) -> bool:
    if a.kind == "set" or b.kind == "set":
        return a.kind == b.kind and _unordered_equal(a.items, b.items, marks)
    if a.kind not in ("interval", "pair") or b.kind not in ("interval", "pair"):
        return False
    if a.closed != b.closed:
        return False
    return all(values_equal(x, y, marks) for x, y in zip(a.items, b.items, strict=True))


def to_sympy_set(v: Value) -> sympy.Set:
    """An interval, union, finite set or one-variable relation as a sympy set (exact endpoints)."""
    if v.kind in ("interval", "pair"):
        lo, hi = (_expr(x) for x in v.items)
        return sympy.Interval(lo, hi, left_open=not v.closed[0], right_open=not v.closed[1])
    if v.kind == "union":
        return sympy.Union(*(to_sympy_set(x) for x in v.items))
    if v.kind == "set":
        return sympy.FiniteSet(*(_expr(x) for x in v.items))
    if v.kind == "rel":
        return _relation_set(v)
    raise Undecidable("not a set")


def _expr(v: Value) -> sympy.Basic:
    if v.kind != "scalar" or v.scalar is None:
        raise Undecidable("not a number")
    e = v.scalar.expr
    return e.doit() if isinstance(e, sympy.Basic) else e


_REL = {"<": sympy.Lt, ">": sympy.Gt, "<=": sympy.Le, ">=": sympy.Ge, "=": sympy.Eq, "!=": sympy.Ne}


def _relation_set(v: Value) -> sympy.Set:
    if v.ops == ["in"]:
        return to_sympy_set(v.items[1])
    exprs = [_expr(x) for x in v.items]
    undef = set().union(*(e.atoms(AppliedUndef) for e in exprs))
    if len(undef) == 1:  # `0 < f(x) < 1`: the set of values of f(x)
        y = sympy.Dummy("y", real=True)
        exprs = [e.xreplace({next(iter(undef)): y}) for e in exprs]
    syms = set().union(*(e.free_symbols for e in exprs))
    if len(syms) != 1:
        raise Undecidable("not a relation in one variable")
    (x,) = syms
    pieces = [_linear_set(exprs[i], op, exprs[i + 1], x) for i, op in enumerate(v.ops)]
    if all(p is not None for p in pieces):
        return sympy.Intersection(*pieces)
    cond = sympy.And(*(_REL[op](exprs[i], exprs[i + 1]) for i, op in enumerate(v.ops)))
    try:
        return cond.as_set()
    except Exception:
        raise Undecidable("cannot solve the relation") from None


def _linear_set(lhs: sympy.Basic, op: str, rhs: sympy.Basic, x: sympy.Symbol) -> sympy.Set | None:
    """`a*x + b op 0` solved directly (as_set is slow); None when not linear in x."""
    if op not in ("<", ">", "<=", ">=", "!=", "="):
        return None
    try:
        poly = sympy.Poly(lhs - rhs, x)
    except sympy.PolynomialError:
        return None
    if poly.degree() != 1:
        return None
    a, b = poly.all_coeffs()
    if not (a.is_number and b.is_number and a.is_real and b.is_real) or a == 0:
        return None
    c = -b / a
    if op == "=":
        return sympy.FiniteSet(c)
    if op == "!=":
        return sympy.Union(sympy.Interval.open(-sympy.oo, c), sympy.Interval.open(c, sympy.oo))
    above = (op in (">", ">=")) == bool(a > 0)
    closed = op in ("<=", ">=")
    if above:
        return sympy.Interval(c, sympy.oo, left_open=not closed)
    return sympy.Interval(-sympy.oo, c, right_open=not closed)


def _as_set_equal(g: Value, p: Value) -> bool:
    try:
        a, b = to_sympy_set(g), to_sympy_set(p)
    except Undecidable:
        return False
    return bool(a == b) or bool(
        sympy.Complement(a, b) == sympy.S.EmptySet and sympy.Complement(b, a) == sympy.S.EmptySet
    )


def _relations_equal(g: Value, p: Value, marks: Marks) -> bool:
    if g.lhs_name and p.lhs_name:
        if not _same_name(g.lhs_name, p.lhs_name):
            return False
        ga, pa = _parameters(g.lhs_name), _parameters(p.lhs_name)
        if ga is not None and pa is not None and ga != pa:
            return _definitions_equal(g.items[-1], ga, p.items[-1], pa)
        return values_equal(g.items[-1], p.items[-1], marks)
    if g.ops == ["in"] or p.ops == ["in"] or any(op not in ("=",) for op in g.ops + p.ops):
        return _inequalities_equal(g, p)
    # Equations: the same solution set, i.e. (lhs - rhs) proportional.
    if len(g.items) != 2 or len(p.items) != 2:
        return False
    a = _expr(g.items[0]) - _expr(g.items[1])
    b = _expr(p.items[0]) - _expr(p.items[1])
    if a.free_symbols != b.free_symbols or not a.free_symbols:
        return bool(a.free_symbols == b.free_symbols) and symbolic_equal(a, b)
    return _proportional(a, b)


def _parameters(name: str) -> tuple[str, ...] | None:
    """The parameters of a definition `f(x, y)`: its arguments when each is a variable (`f(4)` has none)."""
    if "(" not in name or not name.endswith(")"):
        return None
    args = tuple(a.strip() for a in name[name.index("(") + 1 : -1].split(","))
    return args if all(re.fullmatch(r"[A-Za-z]", a) for a in args) else None


def _definitions_equal(g: Value, gp: tuple[str, ...], p: Value, pp: tuple[str, ...]) -> bool:
    """`f(z) = z` and `f(n) = n` define one function: each side's parameters, in order, become the same
    fresh symbols (so `f(y) = 2x`, a constant in y, is not `f(x) = 2x`). Different arities differ."""
    if len(gp) != len(pp):
        return False
    fresh = [sympy.Dummy(f"t{i}") for i in range(len(gp))]

    def bound(e: sympy.Basic, params: tuple[str, ...]) -> sympy.Basic:
        names = dict(zip((n.lower() for n in params), fresh, strict=True))  # the parser folds case
        return e.xreplace({s: names[s.name] for s in e.free_symbols if getattr(s, "name", None) in names})

    try:
        return symbolic_equal(bound(_expr(g), gp), bound(_expr(p), pp))
    except Undecidable:
        return False


def _same_name(a: str, b: str) -> bool:
    if a.lower() == b.lower():
        return True
    fa, fb = a.split("(", 1)[0], b.split("(", 1)[0]
    return "(" in a and "(" in b and fa == fb and fa != ""


def _proportional(a: sympy.Basic, b: sympy.Basic) -> bool:
    """a = c * b for a non-zero constant c (same equation up to scaling)."""
    syms = sorted(a.free_symbols, key=lambda s: s.name)
    point = {s: sympy.Rational(37 + 11 * i, 53 + 7 * i) for i, s in enumerate(syms)}
    try:
        c = sympy.N(a.subs(point), 30) / sympy.N(b.subs(point), 30)
    except Exception:
        return False
    if not c.is_number or c == 0 or c.has(sympy.zoo, sympy.nan):
        return False
    return symbolic_equal(sympy.expand(a), sympy.expand(c * b)) if c.is_finite else False


def _inequalities_equal(g: Value, p: Value) -> bool:
    if len(g.items) == len(p.items) == 2 and len(g.ops) == len(p.ops) == 1 and "in" not in g.ops + p.ops:
        ga, gb = (_expr(x) for x in g.items)
        pa, pb = (_expr(x) for x in p.items)
        if g.ops[0] == p.ops[0] and symbolic_equal(ga - gb, pa - pb):
            return True
        if flip(g.ops[0]) == p.ops[0] and symbolic_equal(ga - gb, pb - pa):
            return True
    try:
        return _as_set_equal_strict(g, p)
    except Undecidable:
        return False


def _as_set_equal_strict(g: Value, p: Value) -> bool:
    a, b = to_sympy_set(g), to_sympy_set(p)
    return bool(a == b)
