"""An answer string -> a small tree of values: lists, sets, tuples, intervals, relations, scalars.

The top-level structure (commas, brackets, `=` chains, inequalities, unions) is split here by plain
string scanning; each scalar goes to `_scalar.parse_scalar`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import sympy

from veriward.verifiers.math._scalar import ParseFailure, Scalar, parse_scalar
from veriward.verifiers.math._units import Unit, parse_unit, split_unit

MAX_ITEMS = 64
MAX_DEPTH = 40

_OPEN = "([{"
_CLOSE = ")]}"
_REL_OPS = [
    ("\\leq", "<="), ("\\geq", ">="), ("\\leqslant", "<="), ("\\geqslant", ">="), ("\\le", "<="),
    ("\\ge", ">="), ("\\neq", "!="), ("\\approx", "~"), ("\\in", "in"), ("<=", "<="), (">=", ">="),
    ("!=", "!="), ("=", "="), ("<", "<"), (">", ">"),
]  # fmt: skip
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}
_MATRIX = re.compile(r"\\begin\{([pbvBV]?matrix|array)\}")


ValueKind = Literal["scalar", "text", "list", "set", "tuple", "pair", "interval", "union", "rel", "matrix"]


@dataclass
class Value:
    """A parsed answer part."""

    kind: ValueKind
    scalar: Scalar | None = None
    items: list[Value] = field(default_factory=list)
    text: str = ""
    closed: tuple[bool, bool] = (False, False)  # interval ends
    ops: list[str] = field(default_factory=list)  # relation chain operators
    lhs_name: str = ""  # set for an assignment `x = ...`: the value is items[-1]
    unit: Unit | None = None  # a quantity inside a list or a tuple (`{35 cm, 4}`); the answer's own is apart

    def short(self) -> str:
        return self.text[:80]


class Unparsable(Exception):
    """The answer could not be turned into a value; the message says why."""


def depth_ok(s: str) -> bool:
    depth = 0
    for c in s:
        if c in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif c in _CLOSE:
            depth -= 1
    return True


def _scan_top(s: str, tokens: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Split `s` at each token found where no bracket is open (`\\{`, `\\left(` count as brackets).

    Returns the pieces and, for each cut, the name the matching token maps to; a token that is a
    control word (`\\le`) does not match the start of a longer one (`\\left`).
    """
    parts, names, depth, start, i, n = [], [], 0, 0, 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in "{}":
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif depth == 0:
            for tok, name in tokens:
                if s.startswith(tok, i) and not (
                    tok[0] == "\\" and s[i + len(tok) : i + len(tok) + 1].isalpha()
                ):
                    parts.append(s[start:i])
                    names.append(name)
                    i += len(tok)
                    start = i
                    break
            else:
                i += 1
                continue
            continue
        i += 1
    parts.append(s[start:])
    return parts, names


def split_top(s: str, seps: tuple[str, ...]) -> list[str]:
    """Split `s` on any of `seps` where no bracket is open."""
    return _scan_top(s, [(sep, sep) for sep in seps])[0]


def _split_relations(s: str) -> tuple[list[str], list[str]]:
    """`a = b < c` -> (["a", "b", "c"], ["=", "<"]) at top level."""
    parts, ops = _scan_top(s, _REL_OPS)
    return [p.strip() for p in parts], ops


_NUMBER_LIKE = re.compile(r"\s*[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?\s*|\s*[-+]?(?:0,\d+|\d+,\d{2})\s*")


def parse_answer(s: str) -> Value:
    """Parse a cleaned answer string into a `Value`; `Unparsable` if it is not math."""
    s = s.strip()
    if not s:
        raise Unparsable("empty answer")
    if not depth_ok(s):
        raise Unparsable("answer nested too deeply")
    groups = split_top(s, (";",))
    if len(groups) > 1:
        return _seq("list", [_group(g) for g in groups if g.strip()], s)
    return _group(s)


def _group(s: str) -> Value:
    if _NUMBER_LIKE.fullmatch(s):
        return _item(s.strip())
    items = [x for x in split_top(s, (",",)) if x.strip()]
    if len(items) > 1:
        items = [y for x in items for y in _plus_minus(x.strip())]
        vals = [_item(x.strip()) for x in items[:MAX_ITEMS]]
        return _seq("list", vals, s)
    return _item(s)


def _plus_minus(item: str) -> list[str]:
    """`\\pm 7` in a list is two items, `7` and `-7`."""
    m = re.fullmatch(r"\\pm\s*(.+)", item)
    return [m.group(1), f"-{m.group(1)}"] if m and "\\pm" not in m.group(1) else [item]


def _seq(kind: ValueKind, items: list[Value], text: str) -> Value:
    if len(items) > MAX_ITEMS:
        raise Unparsable("too many items")
    return Value(kind, items=items, text=text)


def _item(s: str) -> Value:
    s = s.strip()
    if not s:
        raise Unparsable("empty item")
    parts, ops = _split_relations(s)
    if ops:
        return _relation(parts, ops, s)
    unions = split_top(s, ("\\cup",))
    if len(unions) > 1:
        return Value("union", items=[_item(u) for u in unions], text=s)
    return _atom(s)


def _relation(parts: list[str], ops: list[str], s: str) -> Value:
    if "~" in ops:  # `x = 1/3 \approx 0.33`: the exact value before the approximation is the answer
        k = ops.index("~")
        if k == 0 and _name(parts[0]):
            ops = ["=", *ops[1:]]
        else:
            parts, ops = parts[: k + 1], ops[:k]
        if not ops:
            return _item(parts[0])
    if any(not p for p in parts):
        raise Unparsable("relation with an empty side")
    if ops == ["in"]:
        return Value(
            "rel", items=[_lenient(parts[0]), _item(parts[1])], ops=ops, text=s, lhs_name=_name(parts[0])
        )
    name = _name(parts[0]) if all(op == "=" for op in ops) else ""
    if all(op == "=" for op in ops) and len(parts) > 2:
        # A chain `x = 5+5+1 = 7 = 11`: only the last value matters; the steps may be unparsable.
        vals = [_lenient(p) for p in parts[:-1]] + [_atom(parts[-1])]
    elif name:
        vals = [_lenient(parts[0]), _atom(parts[1])]
    else:
        vals = [_atom(p) for p in parts]
    return Value("rel", items=vals, ops=ops, text=s, lhs_name=name)


def _lenient(s: str) -> Value:
    try:
        return _atom(s)
    except Unparsable:
        return Value("text", text=s)


def _name(lhs: str) -> str:
    """`x`, `f(x)`, `|AB|`, `(p,q)`, `A:B`, `a_{37}`: a name being assigned; "" for `2x + z`."""
    if re.fullmatch(r"\s*[A-Za-z]\w*\s*\([^()]*\)\s*", lhs):  # `f(4)`, `E(2020, 1993)`: a named value
        return re.sub(r"\s+", "", lhs)
    bare = re.sub(r"_\{[^{}]*\}|_\w|\\[a-zA-Z]+", "", lhs)
    if re.search(r"\d", bare) or not re.search(r"[A-Za-z]", lhs):
        return ""
    return re.sub(r"\s+", "", lhs)


def _atom(s: str) -> Value:
    s = s.strip()
    if _MATRIX.search(s):
        inner = s[1:-1].strip() if s.startswith("(") and s.endswith(")") and _MATRIX.match(s[1:]) else s
        return Value("matrix", scalar=parse_scalar_or_fail(inner), text=s)
    if s in ("\\mathbb{R}", "\\mathbb R", "\\R", "\\mathbb{R}^1"):
        return Value("interval", items=[_num("-\\infty"), _num("\\infty")], text=s)
    if s in ("\\emptyset", "\\varnothing", "\\{\\}", "\\O"):
        return Value("set", items=[], text=s)
    if s.startswith("\\{") and s.endswith("\\}"):
        inner = s[2:-2]
        items = [x for x in split_top(inner, (",", ";")) if x.strip()]
        return _seq("set", [_item(x) for x in items], s)
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and _balanced_outer(s):
        items = [x for x in split_top(s[1:-1], (",", ";")) if x.strip()]
        if len(items) == 2:
            kind: ValueKind = "pair" if (s[0], s[-1]) == ("(", ")") else "interval"
            return Value(kind, items=[_item(x) for x in items], closed=(s[0] == "[", s[-1] == "]"), text=s)
        if len(items) > 2 and s[0] == "(":
            return _seq("tuple", [_item(x) for x in items], s)
        if len(items) == 1 and s[0] == "(":
            return _item(items[0])
    if s.startswith("{") and s.endswith("}") and _balanced_outer(s):
        inner = s[1:-1]
        items = [x for x in split_top(inner, (",",)) if x.strip()]
        if len(items) > 1:
            return _seq("list", [_item(x) for x in items], s)
    return _num(s)


def _num(s: str) -> Value:
    rest, unit_text = split_unit(s)
    unit = parse_unit(unit_text) if unit_text else None
    if unit is not None:  # `35 cm` is a length, not 35·c·m
        return Value("scalar", scalar=parse_scalar_or_fail(rest), text=s, unit=unit)
    scalar = parse_scalar_or_fail(s)
    e = scalar.expr
    if isinstance(e, sympy.FiniteSet):  # `1 \pm \sqrt{5}` parses to a set
        return Value("set", items=[Value("scalar", scalar=Scalar(x), text=s) for x in e.args], text=s)
    if isinstance(e, sympy.MatrixBase) or (isinstance(e, sympy.Basic) and e.is_Matrix):
        return Value("matrix", scalar=scalar, text=s)
    return Value("scalar", scalar=scalar, text=s)


def parse_scalar_or_fail(s: str) -> Scalar:
    try:
        return parse_scalar(s)
    except ParseFailure as exc:
        raise Unparsable(f"cannot parse {s[:40]!r}: {exc}") from None


def _balanced_outer(s: str) -> bool:
    """True if the first and last characters bracket the whole string."""
    depth = 0
    for i, c in enumerate(s):
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
            if depth == 0 and i != len(s) - 1:
                return False
    return True


def flip(op: str) -> str:
    return _FLIP.get(op, op)
