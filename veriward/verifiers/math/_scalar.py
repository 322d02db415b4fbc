"""One scalar (a number or an expression) -> sympy, through a safe LaTeX parser.

Model text only ever reaches latex2sympy2_extended's ANTLR grammar (no `sympify`/`parse_expr`,
which execute code). Plain numbers skip the grammar altogether: they are most answers, and fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import sympy
from latex2sympy2_extended.latex2sympy2 import ConversionConfig, NormalizationConfig, latex2sympy

from veriward.verifiers.math._fastexpr import parse_fast

MAX_SCALAR_CHARS = 600


# No unit stripping here: the grammar's list of unit words strips letters anywhere at the end (`2b + c`
# read as 2, `x + d` as `x +`); units are read by `_units.py`, with their dimensions, before parsing.
_NORM = NormalizationConfig(
    basic_latex=True, units=False, malformed_operators=True, nits=True, boxed="all", equations=False
)
_CONV = ConversionConfig(interpret_as_mixed_fractions=True, lowercase_symbols=True)

_INT = re.compile(r"[-+]?\d+")
_DEC = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+)")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?")
_COMMA_DECIMAL = re.compile(r"[-+]?(?:0,\d+|\d+,\d{2})")
_FRAC = re.compile(r"([-+]?)\s*(?:\\frac\{\s*(\d+)\s*\}\{\s*(\d+)\s*\}|(\d+)\s*/\s*(\d+))")
_SCI = re.compile(r"([-+]?\d+(?:\.\d+)?)\s*(?:[eE]\s*([-+]?\d+)|\\times\s*10\s*\^\s*\{?\s*([-+]?\d+)\s*\}?)")
_MIXED = re.compile(r"([-+]?)(\d+)\s+(\d+)\s*/\s*(\d+)")  # `1 1/2`: a mixed number
_BASE = re.compile(r"([0-9A-Za-z]+)_\{?(\d{1,2})\}?")


class ParseFailure(Exception):
    """The text is not a well-formed expression."""


@dataclass(frozen=True)
class Scalar:
    """A parsed scalar; `decimals` is the digits string when the source was a bare decimal literal."""

    expr: sympy.Basic
    decimal: str | None = None


def _fast_number(s: str) -> Scalar | None:
    if s.lstrip("-+").startswith("0,") and _COMMA_DECIMAL.fullmatch(s):
        return Scalar(sympy.Rational(Fraction(s.replace(",", "."))), s.replace(",", "."))
    t = s.replace(" ", "") if _THOUSANDS.fullmatch(s) else s
    if _INT.fullmatch(t):
        return Scalar(sympy.Integer(int(t))) if len(t) <= 4000 else None
    if _THOUSANDS.fullmatch(s):
        t = s.replace(",", "").replace(" ", "")
        return Scalar(sympy.Rational(Fraction(t)), t if "." in t else None)
    if _COMMA_DECIMAL.fullmatch(s):
        t = s.replace(",", ".")
        return Scalar(sympy.Rational(Fraction(t)), t)
    if _DEC.fullmatch(t):
        return Scalar(sympy.Rational(Fraction(t if t[-1] != "." else t[:-1])), t)
    m = _FRAC.fullmatch(t)
    if m:
        num, den = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
        if int(den) == 0:
            return Scalar(sympy.zoo)
        value = sympy.Rational(int(num), int(den))
        return Scalar(-value if m.group(1) == "-" else value)
    m = _MIXED.fullmatch(s)
    if m and int(m.group(4)) and int(m.group(3)) < int(m.group(4)):
        mixed = sympy.Integer(int(m.group(2))) + sympy.Rational(int(m.group(3)), int(m.group(4)))
        return Scalar(-mixed if m.group(1) == "-" else mixed)
    m = _SCI.fullmatch(t)
    if m and abs(int(m.group(2) or m.group(3))) <= 400:
        mant = Fraction(m.group(1))
        exp = int(m.group(2) or m.group(3))
        return Scalar(sympy.Rational(mant * Fraction(10) ** exp))
    m = _BASE.fullmatch(t)
    if m and 2 <= int(m.group(2)) <= 36:
        try:
            return Scalar(sympy.Integer(int(m.group(1), int(m.group(2)))))
        except ValueError:
            return None
    return None


@lru_cache(maxsize=4096)
def parse_scalar(s: str) -> Scalar:
    """Parse one scalar expression (LaTeX or plain); `ParseFailure` if it is not one."""
    s = s.strip()
    if not s:
        raise ParseFailure("empty")
    if len(s) > MAX_SCALAR_CHARS:
        raise ParseFailure("expression too long to parse")
    fast = _fast_number(s)
    if fast is not None:
        return fast
    quick = parse_fast(_pre(s))
    if quick is not None:
        return Scalar(quick)
    try:
        expr = latex2sympy(_pre(s), normalization_config=_NORM, conversion_config=_CONV)
    except RecursionError:
        raise ParseFailure("nested too deeply") from None
    except Exception as exc:  # the grammar raises bare Exceptions on bad input
        raise ParseFailure(str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__) from None
    if not isinstance(expr, sympy.Basic | sympy.MatrixBase):
        raise ParseFailure(f"not an expression: {type(expr).__name__}")
    return Scalar(expr)


_WARM_UP = (
    r"\frac{1}{2}+\sqrt{3}x^2",
    r"\sin(x)\cdot\cos^2(y)-\tan(z)",
    r"x_1 y_{2}",
    r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
    r"|x|-\pi e^{i}",
    r"\log_2(8)+\ln(3)",
    r"\sqrt[3]{x}+3!",
    r"a \pm b",
    r"10^{-3}\times 2",
    r"\binom{5}{2}",
    r"f(x)",
    r"0.5x",
)


def warm_up() -> None:
    """Parse a few typical expressions so the grammar's lazily built tables exist before the
    worker processes are forked from this one (each would otherwise build them on its first requests)."""
    for s in _WARM_UP:
        try:
            latex2sympy(s, normalization_config=_NORM, conversion_config=_CONV)
        except Exception:  # warming is best effort
            continue


def _pre(s: str) -> str:
    """Spellings the grammar gets wrong: `\\mathrm{e}`, `x^2 + 2*x`, a trailing `\\`."""
    s = re.sub(r"\\mathrm\{e\}", "e", s)
    s = re.sub(r"\\log(?![a-zA-Z_])", r"\\ln", s)  # `\log` with no base is the natural log
    s = s.rstrip("\\ ")
    return s
