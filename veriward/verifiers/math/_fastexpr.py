"""A small parser of our own for the commonest answer expressions, so that most answers skip the ANTLR
grammar (its prediction tables make a cold parse cost tens of milliseconds).

Grammar (anything else returns None and goes to latex2sympy2_extended):
    expr   := term (("+" | "-") term)*
    term   := unary ((("\\times" | "\\cdot" | "*" | "\\div" | "/") unary) | implicit)*
    unary  := ("-" | "+") unary | power
    power  := atom ("^" (group | digit | letter))?
    atom   := number | "\\pi" | letter | "(" expr ")" | "{" expr "}" | "\\frac" arg arg
            | "\\sqrt" ("[" expr "]")? arg
Products are built unevaluated, like the grammar's (`17\\cdot23` stays a product; `allow_unevaluated`
reads that). A number followed by `\\frac` of two integers is a mixed number (`2\\frac12`), as in the
grammar's configuration. Letters are single lower-case variables, except those the grammar reads
otherwise: `e`, `i`, unit letters it drops (`82m` is 82 there: c d g h l m o s t), and `f(x)` (a function).
"""

from __future__ import annotations

import re

import sympy

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<cmd>\\(?:times|cdot|div|frac|dfrac|sqrt|pi)(?![a-zA-Z]))"
    r"|(?P<ch>[-+*/^(){}\[\]])|(?P<letter>[abfjknpqruvwxyz])(?![a-zA-Z(]))"
)
_MAX_LEN = 200
_MAX_DEPTH = 30


class _Fail(Exception):
    pass


def _tokens(s: str) -> list[str] | None:
    out: list[str] = []
    pos = 0
    s = s.strip()
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if m is None or m.end() == pos:
            return None
        out.append(m.group(m.lastgroup or "ch").strip())
        pos = m.end()
    return out


class _Parser:
    def __init__(self, toks: list[str]) -> None:
        self.toks, self.i, self.depth = toks, 0, 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, tok: str | None = None) -> str:
        t = self.peek()
        if t is None or (tok is not None and t != tok):
            raise _Fail
        self.i += 1
        return t

    def expr(self) -> sympy.Basic:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Fail
        terms = [self.term()]
        while self.peek() in ("+", "-"):
            op = self.take()
            t = self.term()
            terms.append(t if op == "+" else sympy.Mul(-1, t, evaluate=False))
        self.depth -= 1
        return terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)

    def term(self) -> sympy.Basic:
        factors = [self.unary()]
        while True:
            t = self.peek()
            if t in ("\\times", "\\cdot", "*"):
                self.take()
                factors.append(self.unary())
            elif t in ("\\div", "/"):
                self.take()
                factors.append(sympy.Pow(self.unary(), -1, evaluate=False))
            elif t is not None and (t[0].isdigit() or t in ("\\pi", "(", "\\sqrt") or t.isalpha()):
                if t[0].isdigit() and factors and not self._was_closer():
                    raise _Fail  # `2 3`: ambiguous juxtaposition of numbers
                factors.append(self.power())
            elif t in ("\\frac", "\\dfrac"):
                f = self.power()
                whole = factors[-1]
                if len(factors) == 1 and whole.is_Integer and _is_int_fraction(f):  # `2\frac12`
                    factors = [sympy.Add(whole, f, evaluate=False)]
                else:
                    factors.append(f)
            else:
                break
        return factors[0] if len(factors) == 1 else sympy.Mul(*factors, evaluate=False)

    def _was_closer(self) -> bool:
        return self.i > 0 and self.toks[self.i - 1] in (")", "}")

    def unary(self) -> sympy.Basic:
        t = self.peek()
        if t == "-":
            self.take()
            return sympy.Mul(-1, self.unary(), evaluate=False)
        if t == "+":
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> sympy.Basic:
        base = self.atom()
        if self.peek() == "^":
            self.take()
            t = self.peek()
            if t == "{":
                exp = self.group()
            elif t is not None and ((t.isdigit() and len(t) == 1) or t.isalpha()):
                exp = self.atom()
            else:
                raise _Fail
            return sympy.Pow(base, exp, evaluate=False)
        return base

    def group(self) -> sympy.Basic:
        self.take("{")
        e = self.expr()
        self.take("}")
        return e

    def arg(self) -> sympy.Basic:
        t = self.peek()
        if t == "{":
            return self.group()
        if t is not None and t.isdigit() and len(t) == 1:  # `\frac12`, `\sqrt3`
            self.take()
            return sympy.Integer(int(t))
        raise _Fail

    def atom(self) -> sympy.Basic:
        t = self.take()
        if t[0].isdigit() or t[0] == ".":
            return sympy.Integer(int(t)) if t.isdigit() else sympy.Rational(t)
        if t == "\\pi":
            return sympy.pi
        if t.isalpha() and len(t) == 1:
            return sympy.Symbol(t)
        if t == "(":
            e = self.expr()
            self.take(")")
            return e
        if t == "{":
            self.i -= 1
            return self.group()
        if t in ("\\frac", "\\dfrac"):
            num, den = self.arg(), self.arg()
            return sympy.Mul(num, sympy.Pow(den, -1, evaluate=False), evaluate=False)
        if t == "\\sqrt":
            if self.peek() == "[":
                self.take("[")
                n = self.expr()
                self.take("]")
                return sympy.Pow(self.arg(), sympy.Pow(n, -1, evaluate=False), evaluate=False)
            return sympy.Pow(self.arg(), sympy.Rational(1, 2), evaluate=False)
        raise _Fail


def _is_int_fraction(e: sympy.Basic) -> bool:
    if not (isinstance(e, sympy.Mul) and len(e.args) == 2):
        return False
    a, b = e.args
    return bool(a.is_Integer and isinstance(b, sympy.Pow) and b.args[0].is_Integer and b.args[1] == -1)


def parse_fast(s: str) -> sympy.Basic | None:
    """The expression, or None when it is not in this small grammar (the caller then uses the full one)."""
    if len(s) > _MAX_LEN:
        return None
    toks = _tokens(s)
    if not toks:
        return None
    p = _Parser(toks)
    try:
        e = p.expr()
    except (_Fail, RecursionError):
        return None
    return e if p.i == len(toks) else None
