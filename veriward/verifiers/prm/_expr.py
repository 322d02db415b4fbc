"""A small, safe expression parser: plain infix text to sympy nodes, nothing else.

Model text is never handed to `sympify`/`parse_expr`. The parser builds only numbers, symbols, `+ - * / ^`,
`sqrt`, `floor`, `ceil`, factorial and `binom`, and refuses anything it does not know (function calls,
commas, unknown commands), so that an unparseable member makes a claim unread instead of wrong. Sizes are
bounded before anything is computed: tokens, nesting, literal digits, the digits of a power, the degree of a
symbolic power, factorials.

Beside the value it builds a structural key (the expression tree with `+` and `*` operands sorted and
identity operands dropped), so that `4 \\times 3` and `3 \\cdot 4` are the same claim and `x = x` is seen to
be a tautology.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy

MAX_TOKENS = 200
MAX_NESTING = 16  # parentheses and function arguments
MAX_DIGITS = 40  # of a literal
MAX_RESULT_DIGITS = 2000  # of a power's value, estimated before it is computed
MAX_DEGREE = 64  # of a symbolic power
MAX_FACTORS = 32  # in one product (sympy multiplies them one by one)
MAX_FACTORIAL = 300

_TOKEN = re.compile(
    r"\s*(?:(?P<based>\d+_(?:\(\s*\d+\s*\)|\d))|(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<unit>@[A-Za-z]+)"
    r"|(?P<name>[A-Za-z]+(?:_\d+|_[A-Za-z])?)|(?P<op>[-+*/^()!%]))"
)
_FUNCS = {"sqrt", "binom", "floor", "ceil"}


class ParseError(ValueError):
    """The text is not an expression this parser accepts."""


@dataclass(frozen=True)
class Literal:
    index: int  # position among the member's number literals
    value: sympy.Rational  # as written (5 for 5%)
    places: int  # decimal places written
    unit: (
        sympy.Rational
    )  # one unit of its last written digit, in value space (0.01 for 3.14, 0.0001 for 5.25%)


@dataclass
class Parsed:
    expr: sympy.Expr
    decimals: int  # most decimal places of any literal (0 when all are integers)
    has_percent: bool
    units: frozenset[str]
    key: str = ""  # structural key (see the module docstring), as text
    bare: Literal | None = None  # the member is one number (with sign, %, unit): that literal
    literals: tuple[Literal, ...] = field(default_factory=tuple)  # the decimal literals
    source: tuple[str, str, str, bool] = ("", "divide", "symbol", False)  # text and readings parsed with


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ParseError(f"unexpected {text[pos : pos + 10]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        if len(out) > MAX_TOKENS:
            raise ParseError("too long")
    # A multi-letter word is a known function, pi, or one symbol of its own ("area"), never a product.
    return [("func", v) if k == "name" and v in _FUNCS else (k, v) for k, v in out]


Key = tuple[Any, ...]  # ("n", "12"), ("s", "x"), ("+", terms), ("*", factors), ("-", key), ...
ONE: Key = ("n", "1")


def _neg(key: Key) -> Key:
    if key[0] == "-":
        return tuple(key[1])
    if key[0] == "+":
        return ("+", tuple(sorted((_neg(t) for t in key[1]), key=repr)))
    return key if key == ("n", "0") else ("-", key)


def _sum_key(terms: list[Key]) -> Key:
    flat: list[Key] = []
    for t in terms:
        flat.extend(t[1] if t[0] == "+" else [t])
    flat = [t for t in flat if t != ("n", "0")]
    if not flat:
        return ("n", "0")
    return flat[0] if len(flat) == 1 else ("+", tuple(sorted(flat, key=repr)))


def _product_key(factors: list[tuple[str, Key]]) -> Key:
    flat: list[tuple[str, Key]] = []
    negative = False
    for op, f in factors:
        while f[0] == "-":
            negative, f = not negative, f[1]
        if f[0] == "*":
            flat.extend((o if op == "*" else ("/" if o == "*" else "*"), g) for o, g in f[1])
        elif f != ONE:
            flat.append((op, f))
    if not flat:
        key: Key = ONE
    elif len(flat) == 1 and flat[0][0] == "*":
        key = flat[0][1]
    else:
        key = ("*", tuple(sorted(flat, key=repr)))
    return _neg(key) if negative else key


class _Parser:
    def __init__(
        self, text: str, percent: str, units: str, overrides: dict[int, sympy.Rational], imaginary: bool
    ) -> None:
        self.toks = _tokens(text)
        self.imaginary = imaginary  # `i` is the imaginary unit (the text is about complex numbers)
        self.i = 0
        self.percent = percent  # "divide": 5% is 5/100; "drop": 5% is 5
        self.units = units  # "symbol": a unit is a symbol; "drop": a unit is ignored
        self.overrides = overrides  # literal index -> value (to measure how rounding a literal moves a value)
        self.decimals = 0
        self.has_percent = False
        self.unit_names: set[str] = set()
        self.literals: list[Literal] = []
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        if self.take()[1] != value:
            raise ParseError(f"expected {value!r}")

    def parse(self) -> tuple[sympy.Expr, Key]:
        expr, key = self.sum()
        if self.peek()[0] != "end":
            raise ParseError(f"unexpected {self.peek()[1]!r}")
        return expr, key

    def sum(self) -> tuple[sympy.Expr, Key]:
        expr, key = self.product()
        terms: list[Key] = [key]
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            rhs, rkey = self.product()
            expr = expr + rhs if op == "+" else expr - rhs
            terms.append(rkey if op == "+" else _neg(rkey))
        return expr, (_sum_key(terms) if len(terms) > 1 else key)

    def product(self) -> tuple[sympy.Expr, Key]:
        expr, key = self.unary()
        factors: list[tuple[str, Key]] = [("*", key)]
        divided = False
        while True:
            kind, val = self.peek()
            if val in ("*", "/"):
                self.take()
                divided = divided or val == "/"
                rhs, rkey = self.unary()
                if val == "/" and rhs == 0:
                    raise ParseError("division by zero")
                expr = expr * rhs if val == "*" else expr / rhs
                factors.append((val, rkey))
            elif val == "(" or kind in ("name", "func", "unit") or (kind == "num" and self._after_close()):
                # Implicit product: 2x, 2(3), (a)(b), 3 \sqrt{2}; never two bare numbers ("2 3").
                if divided and kind != "unit":  # `4√3 / 6√3`, `1/2x`: does the product bind first?
                    raise ParseError("a / b c: ambiguous")
                rhs, rkey = self.unary()
                expr = expr * rhs
                factors.append(("*", rkey))
            else:
                return expr, (_product_key(factors) if len(factors) > 1 else key)
            if len(factors) > MAX_FACTORS:
                raise ParseError("too many factors")

    def _after_close(self) -> bool:
        return self.i > 0 and self.toks[self.i - 1][1] in (")", "!", "%")

    def unary(self) -> tuple[sympy.Expr, Key]:
        if self.peek()[1] in ("-", "+"):
            sign = self.take()[1]
            operand, key = self.unary()
            return (-operand, _neg(key)) if sign == "-" else (operand, key)
        return self.power()

    def power(self) -> tuple[sympy.Expr, Key]:
        base, key = self.postfix()
        if self.peek()[1] != "^":
            return base, key
        self.take()
        exp, ekey = self.unary()  # right-associative: 2^3^2 = 2^9
        return _safe_pow(base, exp), (key if ekey == ONE else ("^", key, ekey))

    def postfix(self) -> tuple[sympy.Expr, Key]:
        expr, key = self.atom()
        while self.peek()[1] in ("!", "%"):
            op = self.take()[1]
            if op == "%":
                self.has_percent = True
                expr = expr / 100 if self.percent == "divide" else expr
                key = ("%", key)
            else:
                if not (expr.is_Integer and 0 <= int(expr) <= MAX_FACTORIAL):
                    raise ParseError("factorial of a non-integer or a large number")
                expr, key = sympy.factorial(expr), ("!", key)
        return expr, key

    def atom(self) -> tuple[sympy.Expr, Key]:
        kind, val = self.take()
        if kind == "num":
            return self.number(val)
        if kind == "based":
            value = _based(val)
            return value, ("b", val)  # `1200_7 = 441_{10}` is a claim, not a tautology
        if kind == "unit":
            self.unit_names.add(val[1:])
            unit = sympy.Integer(1) if self.units == "drop" else sympy.Symbol("u_" + val[1:], positive=True)
            return unit, ONE if self.units == "drop" else ("u", val[1:])
        if kind == "name":
            if self.peek()[1] == "(":
                raise ParseError("function application")  # f(2) is not f times 2, nor π(50) π times 50
            if val == "pi":
                return sympy.pi, ("s", "pi")
            if val == "i" and self.imaginary:
                return sympy.I, ("s", "i")
            name = val if len(val) == 1 or "_" in val else "w_" + val
            return sympy.Symbol(name), ("s", name)
        if kind == "func":
            return self.func(val)
        if val == "(":
            return self.nested(self.sum)
        raise ParseError(f"unexpected {val!r}")

    def number(self, val: str) -> tuple[sympy.Expr, Key]:
        if len(val) > MAX_DIGITS:
            raise ParseError("number too long")
        places = len(val.split(".")[1]) if "." in val else 0
        self.decimals = max(self.decimals, places)
        index = len(self.literals)
        value = sympy.Rational(val)
        unit = sympy.Rational(1, 10**places)
        if self.peek()[1] == "%" and self.percent == "divide":
            unit /= 100
        self.literals.append(Literal(index, value, places, unit))
        value = self.overrides.get(index, value)
        return value, ("n", str(sympy.Rational(val)))

    def nested(self, inner: Callable[[], tuple[sympy.Expr, Key]]) -> tuple[sympy.Expr, Key]:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ParseError("nested too deeply")
        expr, key = inner()
        self.expect(")")
        self.depth -= 1
        return expr, key

    def func(self, name: str) -> tuple[sympy.Expr, Key]:
        self.expect("(")
        first, fkey = self.nested(self.sum)
        if name == "sqrt":
            if first.is_number and first.is_negative:
                raise ParseError("square root of a negative number")
            return sympy.sqrt(first), ("f", "sqrt", fkey)
        if name in ("floor", "ceil"):
            if not first.is_number:
                raise ParseError("floor of a symbol")
            return (sympy.floor(first) if name == "floor" else sympy.ceiling(first)), ("f", name, fkey)
        self.expect("(")
        second, skey = self.nested(self.sum)
        if not (first.is_Integer and second.is_Integer and 0 <= int(first) <= 10_000):
            raise ParseError("binom of non-integers or large numbers")
        return sympy.binomial(first, second), ("f", "binom", fkey, skey)


def _based(text: str) -> sympy.Expr:
    """`1202_7`, `441_(10)`: digits in a base from 2 to 10."""
    digits, base_text = text.split("_")
    base = int(base_text.strip("() "))
    if not 2 <= base <= 10 or any(int(d) >= base for d in digits) or len(digits) > MAX_DIGITS:
        raise ParseError(f"{text!r} is not a number in base {base}")
    return sympy.Integer(int(digits, base))


def _safe_pow(base: sympy.Expr, exp: sympy.Expr) -> sympy.Expr:
    if exp.is_number and base.is_number:
        if not exp.is_Rational:
            raise ParseError("irrational exponent")
        if base == 0 and exp.is_negative:
            raise ParseError("zero to a negative power")
        b = abs(complex(base)) if base != 0 else 0.0
        digits = abs(float(exp)) * abs(math.log10(b)) if b > 0 else 0.0
        if not base.is_real and not exp.is_Integer:
            raise ParseError("fractional power of a complex number")
        if digits > MAX_RESULT_DIGITS:
            raise ParseError("power too large")
        if base.is_negative and not exp.is_Integer:
            raise ParseError("fractional power of a negative number")
    elif not exp.is_number:
        raise ParseError("symbolic exponent")
    elif abs(float(exp)) * max(_degree(base), 1) > MAX_DEGREE:
        raise ParseError("symbolic power too large")
    return sympy.Pow(base, exp)


def _degree(e: sympy.Expr) -> int:
    """A bound on the total degree of a polynomial-like expression (its size in symbols and powers)."""
    if e.is_Symbol:
        return 1
    if e.is_Pow and e.exp.is_number:
        return int(abs(float(e.exp))) * _degree(e.base) if e.exp.is_Rational else MAX_DEGREE + 1
    if e.is_Add:
        return max((_degree(a) for a in e.args), default=0)
    if e.is_Mul:
        return sum(_degree(a) for a in e.args)
    return 0


def parse(
    text: str,
    percent: str = "divide",
    units: str = "symbol",
    overrides: dict[int, sympy.Rational] | None = None,
    imaginary: bool = False,
) -> Parsed:
    """Parse plain infix text; `ParseError` when it is not a plain expression."""
    p = _Parser(text, percent, units, overrides or {}, imaginary)
    if not p.toks:
        raise ParseError("empty")
    expr, key = p.parse()
    rest = p.toks[1:] if p.toks[0][1] in ("-", "+") else p.toks
    bare = (
        p.literals[0]
        if rest and rest[0][0] == "num" and all(k == "unit" or v == "%" for k, v in rest[1:])
        else None
    )
    decimal_literals = tuple(lit for lit in p.literals if lit.unit < 1)
    units_found = frozenset(p.unit_names)
    source = (text, percent, units, imaginary)
    return Parsed(expr, p.decimals, p.has_percent, units_found, repr(key), bare, decimal_literals, source)
