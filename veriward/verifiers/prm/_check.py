"""Checking one relation chain: each adjacent pair of members is a claim, read under every reading the text
allows (a unit word as a factor, or as nothing when only the result carries it); a claim is false only when
it is false under every reading.

Not claims: a first link that names a quantity (`x = 5`, `f = ...`, `\\text{Area} = ...`: a value given,
kept by the caller) and tautologies (both sides the same expression tree: `x = x`, `3 + 4 = 4 + 3`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy

from veriward.verifiers.prm._algebra import Rewrite, identity, names_a_quantity, rewrite_shaped
from veriward.verifiers.prm._claims import Claim, ClaimKind, ClaimResult
from veriward.verifiers.prm._compare import Mode, compare
from veriward.verifiers.prm._expr import Parsed, ParseError, parse
from veriward.verifiers.prm._latex import Chain

Env = dict[sympy.Symbol, Parsed]  # values the solution gave its variables, in scope here


@dataclass
class Values:
    """The values a claim may use: the latest in scope, and the latest given by steps that no other step
    repeats. A claim with earlier values is false when false under either, so that a copy of some step
    placed earlier (padding) can never turn a false claim true by giving a variable its value early."""

    current: Env = field(default_factory=dict)
    solid: Env = field(default_factory=dict)


NAME = re.compile(r"-?[A-Za-z](?:_\w+|_\{\w+\})?|@\w+|[A-Za-z]{2,}|#\w+#")
_BARE_SYMBOL = re.compile(r"[A-Za-z](?:_\w+|_\{\w+\})?")
_TIMES_100 = re.compile(r"\*\s*100\s*$|^\s*100\s*\*")
_MAX_SPREAD_LITERALS = 8


@dataclass
class ChainResult:
    claims: list[Claim] = field(default_factory=list)
    binding: tuple[sympy.Symbol, Parsed] | None = None  # `x = ... = 5`: the value the chain gives x
    tautologies: int = 0


def pretty(text: str) -> str:
    """A claim as a person would write it: ((3)/(4)) -> 3/4, single spaces, no unit marks."""
    text = re.sub(r"\(\((-?[\w.]+)\)/\((-?[\w.]+)\)\)", r"\1/\2", " ".join(text.split()))
    text = re.sub(r"(?<=[(^]) | (?=[)^])|(?<=\w) (?=\()", "", text)  # prose tokens: `sqrt ( 9 )` -> `sqrt(9)`
    return text.replace("@", "")


def parse_member(member: str, percent: str, units: str, imaginary: bool = False) -> Parsed | None:
    """A chain member parsed, or None when it is not a plain expression (never an exception)."""
    if "#" in member or not member:
        return None
    try:
        return parse(member, percent, units, imaginary=imaginary)
    except (ParseError, ValueError, TypeError, ZeroDivisionError, OverflowError, ArithmeticError):
        return None


def spread(p: Parsed, min_places: int = 1) -> sympy.Expr:
    """How far the value of `p` moves when each decimal literal in it (with at least `min_places` places)
    moves half a unit of its last digit (first order, summed): the slack a rounding carries through the
    arithmetic."""
    text, percent, units, imaginary = p.source
    total = sympy.Integer(0)
    for lit in [lit for lit in p.literals if lit.places >= min_places][:_MAX_SPREAD_LITERALS]:
        moved = lit.value + sympy.Rational(1, 2 * 10**lit.places)
        try:
            q = parse(text, percent, units, {lit.index: moved}, imaginary)
        except (ParseError, ValueError, ArithmeticError):
            continue
        total += abs(q.expr - p.expr)
    return total


def _readings(chain: Chain) -> list[tuple[str, str]]:
    """(units, percent) readings worth trying: units as symbols, and dropped when only the result of a
    computation carries one ("18 - 6 = 12 flamingos")."""
    unit_sets = [set(re.findall(r"@(\w+)", m)) for m in chain.members]
    out = [("symbol", "divide")]
    only_last = unit_sets[-1] and not any(unit_sets[:-1]) and len(unit_sets[-1]) == 1
    if only_last and len(chain.members) >= 2 and re.search(r"[-+*/]", chain.members[-2]):
        out.append(("drop", "divide"))
    return out


def binding_target(chain: Chain) -> sympy.Symbol | None:
    """The variable a chain gives a value to (`x = ...`), else None."""
    if chain.rels[0] != "=" or not _BARE_SYMBOL.fullmatch(chain.members[0]):
        return None
    var = parse_member(chain.members[0], "divide", "symbol", chain.imaginary)
    return var.expr if var is not None and var.expr.is_Symbol else None


def _binding(chain: Chain, env: Env) -> tuple[sympy.Symbol, Parsed] | None:
    var, value = binding_target(chain), parse_member(chain.members[-1], "divide", "drop", chain.imaginary)
    if var is None or value is None or var in value.expr.free_symbols:
        return None
    bound = substitute(value, env)
    if bound is None or bound.expr.free_symbols:
        return None
    return var, bound


def substitute(p: Parsed, env: Env) -> Parsed | None:
    """`p` with the values in scope put in; None when a symbol (other than a unit) has none."""
    syms = {s for s in p.expr.free_symbols if not str(s).startswith("u_")}
    if not syms:
        return p
    if not syms <= env.keys():
        return None
    expr = p.expr.subs({s: env[s].expr for s in syms})
    decimals = max(p.decimals, *(env[s].decimals for s in syms))
    return Parsed(expr, decimals, p.has_percent, p.units, p.key, p.bare, (), p.source)


def check_chain(chain: Chain, env: Values, mode: Mode, rewrite: Rewrite) -> ChainResult:
    """One claim per adjacent pair of members (see the module docstring); `env` holds the values that may
    be put into its claims (empty where the sentence treats its variables as unknowns). The later links
    of `A = B = C` rewrite an expression and are identities to check, unless A names a quantity (`r^2 =
    (h-2)^2 + k^2 = (h-4)^2 + k^2` lists expressions for it: an equation) and the link is no expansion
    (`f = (a + 1)^2 = a^2 + a + 1` is one)."""
    out = ChainResult(binding=_binding(chain, env.current))
    named = NAME.fullmatch(chain.members[0]) is not None and chain.rels[0] == "="
    first = parse_member(chain.members[0], "divide", "symbol", chain.imaginary)
    listing = first is not None and names_a_quantity(first.expr)
    readings = _readings(chain)
    for i in range(1, len(chain.members)):
        if i == 1 and (named or chain.open_left):
            out.tautologies += chain.members[0].replace(" ", "") == chain.members[1].replace(
                " ", ""
            )  # `x = x`
            continue  # a quantity named (and perhaps given a value), or the end of a longer side
        a_text, b_text, rel = chain.members[i - 1], chain.members[i], chain.rels[i - 1]
        if rel == "=" and (_BARE_SYMBOL.fullmatch(a_text) or _BARE_SYMBOL.fullmatch(b_text)):
            continue  # `A = C = 9` names C too; `... = y` names the result
        in_chain = i >= 2 and chain.rels[i - 2 : i] == ["=", "="]
        # A later link after a name is checked only when it has the shape of a rewrite.
        announced: Rewrite = rewrite if not in_chain else ("expand" if listing else "")
        shape = (announced, in_chain and not listing, chain.imaginary)
        claim = _pair(a_text, b_text, rel, readings, env, mode, shape)
        if claim is None:
            out.tautologies += 1
        else:
            out.claims.append(claim)
    return out


def _pair(
    a_text: str,
    b_text: str,
    rel: str,
    readings: list[tuple[str, str]],
    env: Values,
    mode: Mode,
    shape: tuple[Rewrite, bool, bool],
) -> Claim | None:
    """The claim `a rel b`; None for a tautology. `shape`: (announced as a rewrite, a later link of a
    chain, `i` imaginary)."""
    announced, in_chain, imaginary = shape
    text = pretty(f"{a_text} {rel} {b_text}")
    conversion = ("%" in a_text and _TIMES_100.search(b_text)) or (
        "%" in b_text and _TIMES_100.search(a_text)
    )
    verdicts: list[bool] = []
    kind: ClaimKind = ""
    key = ""
    read = False
    for units, percent in readings + ([(readings[0][0], "drop")] if conversion else []):
        a = parse_member(a_text, percent, units, imaginary)
        b = parse_member(b_text, percent, units, imaginary)
        if a is None or b is None:
            continue
        read = True
        if a.key == b.key:
            return None
        key = key or _claim_key(a_text, b_text, rel, a, b, imaginary)
        v, k = _judge(a, b, rel, env, mode, announced, in_chain)
        if v is not None:
            verdicts.append(v)
            kind = kind or k
    if not read:
        return Claim(text, "unread", "unread")
    if not verdicts:
        return Claim(text, "unknown", "equation", key=key)
    result: ClaimResult = "true" if any(verdicts) else "false"
    return Claim(text, result, kind, key=key)


def _claim_key(a_text: str, b_text: str, rel: str, a: Parsed, b: Parsed, imaginary: bool) -> str:
    """The claim in canonical form: sides as structural keys (units left out: `156 apples` states 156),
    `=` and `!=` unordered, `>` as `<` flipped."""
    if a.units or b.units:
        a = parse_member(a_text, "divide", "drop", imaginary) or a
        b = parse_member(b_text, "divide", "drop", imaginary) or b
    flip = {">": "<", ">=": "<="}
    if rel in flip:
        return f"{b.key}{flip[rel]}{a.key}"
    if rel in ("=", "!=", "≈"):
        lo, hi = sorted((a.key, b.key))
        return f"{lo}{'=' if rel == '≈' else rel}{hi}"
    return f"{a.key}{rel}{b.key}"


def _judge(
    a: Parsed, b: Parsed, rel: str, env: Values, mode: Mode, announced: Rewrite, in_chain: bool
) -> tuple[bool | None, ClaimKind]:
    syms = {s for s in a.expr.free_symbols | b.expr.free_symbols if not str(s).startswith("u_")}
    if not syms:
        if a.expr.free_symbols or b.expr.free_symbols:
            return _units(a, b, rel, mode), "units"
        return compare(a, b, rel, mode, spread), ""
    if rel not in ("=", "≈"):
        return None, ""  # `x > 3`, `a \\neq 1` state conditions on a variable, whatever its earlier value
    if not (a.expr == 0 or b.expr == 0):  # `... = 0` is an equation to solve
        latest = _with_values(a, b, rel, mode, env.current)
        if latest is not None:
            solid = _with_values(a, b, rel, mode, env.solid)
            return latest and solid is not False, "with earlier values"
    if rel == "=" and (in_chain or (announced and rewrite_shaped(a, b, announced))):
        return identity(a, b), "identity"
    return None, ""


def _with_values(a: Parsed, b: Parsed, rel: str, mode: Mode, env: Env) -> bool | None:
    a2, b2 = substitute(a, env), substitute(b, env)
    if a2 is None or b2 is None:
        return None
    return compare(a2, b2, rel, mode, spread)


def _units(a: Parsed, b: Parsed, rel: str, mode: Mode) -> bool | None:
    """`18 apples - 6 apples = 12 apples`: the same unit on both sides, numbers compared as written."""
    ca, ua = a.expr.as_coeff_Mul()
    cb, ub = b.expr.as_coeff_Mul()
    if ua != ub or not ca.is_number or not cb.is_number:
        return None
    return compare(
        Parsed(ca, a.decimals, a.has_percent, a.units, a.key, a.bare, a.literals, a.source),
        Parsed(cb, b.decimals, b.has_percent, b.units, b.key, b.bare, b.literals, b.source),
        rel,
        mode,
        lambda p, places: sympy.Integer(0),
    )
