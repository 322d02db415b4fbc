"""The symbolic step checker: read the claims of each step (`_reader`) and verify their arithmetic and simple
algebra with sympy, each step judged in the context before it.

Scopes: a value given to a variable (`x = 5`, `x = 2 + 3 = 5`) holds for the claims after it, in that step
and in later steps, until the variable is given another value (a new scope). Values given under a
hypothesis ("if x = 2", "try x = 3") hold for that step only; a variable given two values in one step is
not carried on; and a value statement made earlier (in the problem or a previous step) does not reopen
that scope when it is repeated, so a repeat can never change what a later claim is checked against.
Nothing a later step says changes the verdict of an earlier one.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import sympy

from veriward.verifiers.prm._algebra import solution_holds
from veriward.verifiers.prm._check import (
    ChainResult,
    Env,
    Values,
    binding_target,
    check_chain,
    parse_member,
    pretty,
)
from veriward.verifiers.prm._claims import Claim, StepCheck
from veriward.verifiers.prm._compare import Mode
from veriward.verifiers.prm._expr import Parsed
from veriward.verifiers.prm._latex import Chain
from veriward.verifiers.prm._reader import COMPLEX, Reading, read_step

MAX_CHAINS_PER_STEP = 96
MAX_CHAINS_PER_TRACE = 1500  # fifteen times the most in a ProcessBench solution
# Words between two equations that mean the second is not derived from the first.
_NOT_DERIVED = re.compile(
    r"\b(?:if|when|let|suppose|assum\w*|try|trying|test\w*|check\w*|case|or|either|not|alternative\w*|"
    r"also|another|similarly|other|second|and|for|substitut\w*|plug\w*|verif\w*|where|at|with|but|"
    r"instead|now|next|then|first)\b",
    re.IGNORECASE,
)


_FOLLOWS = re.compile(
    r"\b(?:so|thus|hence|therefore|gives?|giving|becomes?|we (?:get|have|obtain)|factor\w*|simplif\w*|"
    r"rearrang\w*|expand\w*|i\.e\.)\b|=>",
    re.IGNORECASE,
)


class TooManyClaims(Exception):
    """The trace holds more claims than one request checks: nothing is graded (a partial check could
    leave a false claim unread, so more text could raise the reward)."""


@dataclass
class Scope:
    """What earlier steps established: variable values, and every value statement made so far."""

    values: Env = field(default_factory=dict)
    solid: Env = field(default_factory=dict)  # the same, from steps no other step repeats
    stated: set[tuple[sympy.Symbol, str]] = field(default_factory=set)
    imaginary: bool = False  # the problem is about complex numbers: `i` is the imaginary unit


@dataclass
class _Equation:
    var: sympy.Symbol
    poly: sympy.Poly
    chain: Chain
    parsed: Parsed  # the right-hand side, for decimals written in a solved form
    claim: Claim | None  # its own "unknown" entry, dropped once a solution check uses it


def _value_key(p: Parsed) -> str:
    return str(sympy.nsimplify(p.expr)) if not p.expr.is_Rational else str(p.expr)


def _mode(reading: Reading, chain: Chain) -> Mode:
    flags = reading.constructs.at(chain.pos)
    if flags.approx or "≈" in chain.rels:
        return "approx"
    return "quotient" if flags.quotient else "exact"


def check_step(text: str, scope: Scope, repeated: bool = False) -> StepCheck:
    """The claims of one step judged in `scope`, which is then updated with the values the step gives
    (`repeated`: another step of the trace repeats this one, so its values are not `solid`)."""
    return judge_step(read_step(text, scope.imaginary), scope, repeated)


def judge_step(reading: Reading, scope: Scope, repeated: bool = False) -> StepCheck:
    """`check_step` on a step already read."""
    out = StepCheck()
    chains = reading.chains
    if len(chains) > MAX_CHAINS_PER_STEP:
        out.unchecked = f"{len(chains)} relation chains; only the first {MAX_CHAINS_PER_STEP} were checked"
        chains = chains[:MAX_CHAINS_PER_STEP]
    unread = [Claim("(math too long to read)", "unread", "unread") for _ in range(reading.unread_segments)]
    out.claims.extend(unread)
    # A step that solves, sets up or factors equations treats its variables as unknowns: earlier values
    # are not put into its claims (its own values still are).
    env = _StepEnv(scope, chains, solving=any(f.unknowns for f in reading.constructs.flags))
    equations: list[_Equation] = []
    for chain in chains:
        if chain.cut:
            out.unchecked = out.unchecked or "a relation chain too long to check whole"
        sentence = reading.constructs.sentence(chain.pos)
        flags = reading.constructs.flags[sentence]
        values = env.at(sentence, flags.hypothesis or flags.unknowns, flags.alternatives)
        try:
            result = check_chain(chain, values, _mode(reading, chain), flags.rewrite)
        except (ArithmeticError, ValueError, TypeError, AttributeError):  # sympy could not evaluate it
            result = ChainResult([Claim(pretty(chain.text), "unread", "unread")])
        out.tautologies += result.tautologies
        for claim in result.claims:
            why = reading.constructs.not_asserted(chain.pos, chain.end, claim.result == "false")
            if why and claim.result in ("true", "false"):
                claim.result, claim.note = "not_asserted", why
            out.claims.append(claim)
        if result.binding is not None:
            env.bind(result.binding, sentence, flags.hypothesis)
        eq = _equation(chain, next((c for c in result.claims if c.kind == "equation"), None))
        if eq is not None:
            equations.append(eq)
    _solutions(equations, reading, out)
    # A value found from an equation of degree two or more is one root among several (a case), not a
    # value the variable keeps.
    env.export({eq.var for eq in equations if eq.poly.degree() >= 2}, repeated)
    return out


class _StepEnv:
    """The values a step's claims may use, chain by chain (see the module docstring)."""

    def __init__(self, scope: Scope, chains: list[Chain], solving: bool) -> None:
        self.scope = scope
        self.earlier = {} if solving else scope.values
        self.earlier_solid = {} if solving else scope.solid
        self.first: dict[sympy.Symbol, int] = {}  # the chain where the step first gives a variable a value
        texts: dict[sympy.Symbol, set[str]] = {}
        for k, chain in enumerate(chains):
            var = binding_target(chain)
            if var is not None:
                self.first.setdefault(var, k)
                texts.setdefault(var, set()).add(chain.members[-1].replace(" ", ""))
        self.several = {v for v, t in texts.items() if len(t) > 1}  # "x = 6 or x = 3": no value holds
        self.step: Env = {}
        self.sentence: Env = {}
        self.sentence_index = -1
        self.hypothetical: set[sympy.Symbol] = set()
        self.given: dict[sympy.Symbol, set[str]] = {}

    def at(self, sentence: int, closed: bool, alternatives: bool) -> Values:
        if sentence != self.sentence_index:
            self.sentence, self.sentence_index = {}, sentence
        if alternatives:  # "either x = 0 or x^2 - 3 = 0": no value holds
            return Values()
        own = {v: p for v, p in self.sentence.items() if v not in self.several}
        if closed:  # a hypothesis or an equation to solve: only values given in this very sentence
            return Values(own, own)
        own = {v: p for v, p in self.step.items() if v not in self.several} | own
        return Values(self._earlier(self.earlier) | own, self._earlier(self.earlier_solid) | own)

    def _earlier(self, values: Env) -> Env:
        # A variable this step gives a value is its unknown until then (`2x = 12`, then `x = 6`).
        return {
            v: p
            for v, p in values.items()
            if v not in self.several and v not in self.hypothetical and v not in self.first
        }

    def bind(self, binding: tuple[sympy.Symbol, Parsed], sentence: int, hypothesis: bool) -> None:
        var, value = binding
        self.sentence[var] = value
        if hypothesis:
            self.hypothetical.add(var)
            self.step.pop(var, None)
            return
        self.step[var] = value
        self.given.setdefault(var, set()).add(_value_key(value))

    def export(self, skip: set[sympy.Symbol], repeated_step: bool) -> None:
        """Carry on the values this step gave, one per variable, unless it repeats a statement made
        before (a repeat cannot reopen an older scope); a step that another repeats gives no solid ones."""
        for var, keys in self.given.items():
            if len(keys) != 1 or var in self.several or var in self.hypothetical or var in skip:
                continue
            key = next(iter(keys))
            current = self.scope.values.get(var)
            repeated = (var, key) in self.scope.stated and (current is None or _value_key(current) != key)
            if not repeated:
                self.scope.values[var] = self.step[var]
                if not repeated_step:
                    self.scope.solid[var] = self.step[var]
        self.scope.stated |= {(var, key) for var, keys in self.given.items() for key in keys}


def _equation(chain: Chain, claim: Claim | None) -> _Equation | None:
    """The chain's first link as a polynomial equation in one variable (no units), else None."""
    if any(r != "=" for r in chain.rels):
        return None
    a = parse_member(chain.members[0], "divide", "symbol", chain.imaginary)
    b = parse_member(chain.members[1], "divide", "symbol", chain.imaginary)
    if a is None or b is None:
        return None
    expr = a.expr - b.expr
    syms = expr.free_symbols
    if len(syms) != 1 or str(next(iter(syms))).startswith("u_"):
        return None
    var = next(iter(syms))
    try:
        poly = sympy.Poly(sympy.expand(expr), var)
    except sympy.PolynomialError:
        return None
    if not 1 <= poly.degree() <= 4 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    return _Equation(var, poly, chain, b, claim)


def _derived(prev: _Equation, cur: _Equation, text: str) -> bool:
    """Whether `cur` is written as a consequence of `prev`: in the same segment through "=>"/"so", or with
    prose between them that has no word such as "if", "or", "check" and, unless `cur` is a solved form,
    says it follows ("so", "gives", "factoring": equations listed one under another are not derived)."""
    if prev.chain is cur.chain:
        return False
    if prev.chain.pos == cur.chain.pos:
        return cur.chain.linked
    gap = text[prev.chain.end : cur.chain.pos]
    if len(gap) > 120 or _NOT_DERIVED.search(gap) or "\n\n" in gap:
        return False
    return cur.poly.degree() == 1 or bool(_FOLLOWS.search(gap))


def _solved_form(chain: Chain) -> bool:
    return any(re.fullmatch(r"-?[A-Za-z](?:_\w+)?|w_\w+|[A-Za-z]+", m.strip()) for m in chain.members)


def _solutions(equations: list[_Equation], reading: Reading, out: StepCheck) -> None:
    """`prev => cur` in the same variable: every root of `cur` must solve `prev` (`x^2 - 3x = 1` does not
    factor as `(x - 1)(x - 3) = 0`; `x^2 = 4 => x = 2` holds, a root being chosen). Not
    checked where alternatives are listed (`x - 8 = 12 or x - 8 = -12`, then `x = 20 or x = -4`): which
    follows from which is not written."""

    def alternatives(eq: _Equation) -> bool:
        """Another equation in the same variable beside it, not linked to it by "=>" ("or", ",")."""
        k = equations.index(eq)
        for j, o in enumerate(equations):
            if o is not eq and o.var == eq.var and o.chain.pos == eq.chain.pos:
                later = equations[max(j, k)]
                if not later.chain.linked:
                    return True
        return reading.constructs.at(eq.chain.pos).alternatives

    for prev, eq in itertools.pairwise(equations):
        if not _derived(prev, eq, reading.text) or alternatives(prev) or alternatives(eq):
            continue
        if prev.var != eq.var or _solved_form(prev.chain):
            continue  # "x = 2 => x = 3" lists values rather than derives one from the other
        ok = solution_holds(prev.poly, eq.poly, eq.parsed)
        text_ = f"{pretty(prev.chain.text)} => {pretty(eq.chain.text)}"
        out.claims.append(Claim(text_, "true" if ok else "false", "solution"))
        for used in (prev, eq):  # premises and conclusions of a checked solution are accounted for
            if used.claim is not None and used.claim in out.claims:
                out.claims.remove(used.claim)
                used.claim = None


def check_steps(steps: Sequence[str], problem: str = "", repeated: set[int] | None = None) -> list[StepCheck]:
    """Checks for each step, each in the context of the steps before it (and the problem's values).
    Every step is read first (linear), so that a trace with more claims than one request checks is
    refused before any of them is evaluated."""
    scope = Scope(imaginary=bool(COMPLEX.search(problem)))
    readings = [_isolated(partial(read_step, text, scope.imaginary)) for text in steps]
    if sum(min(len(r.chains), MAX_CHAINS_PER_STEP) for r in readings if r) > MAX_CHAINS_PER_TRACE:
        raise TooManyClaims(f"more than {MAX_CHAINS_PER_TRACE} relation chains to check")
    if problem:
        _isolated(partial(check_step, problem, scope))  # its values hold from the start; not graded
    out = []
    for i, reading in enumerate(readings):
        judged = _isolated(partial(judge_step, reading, scope, i in (repeated or set()))) if reading else None
        out.append(judged or StepCheck([Claim("(the step)", "unread", "unread", "the reader failed on it")]))
    return out


T = TypeVar("T")


def _isolated(work: Callable[[], T]) -> T | None:
    """`work()`, or None if it raised: a reader fault on one step leaves that step unread (never verified,
    never false) instead of turning the whole request into `error`, which no text may cause."""
    try:
        return work()
    except MemoryError:
        raise
    except Exception:  # any fault of the reader on candidate text
        return None
