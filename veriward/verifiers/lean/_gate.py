"""The text gate: the constructs a submitted proof may not use, matched on the tokens of `_lexer.py`.

The gate runs before Lean (so it holds on a machine without a toolchain) and matches Lean tokens, never
substrings: `sorry_free` is an identifier, and a `sorry` inside a comment, a string or a char literal is
not a token at all. Names are compared after stripping `«»`, component by component, so `«sorryAx»`,
`Lean.«ofReduceBool»` and a bare `reduceBool` after `open Lean` are the same names as their plain spellings.
"""

from __future__ import annotations

from dataclasses import dataclass

from veriward.verifiers.lean._lexer import Kind, LexError, Token, is_id_first, line_of, tokenize

_UNPROVED = "leaves a goal unproved"
_COMPILER = "trusts the compiler instead of the kernel"
_META = "runs meta code that can tamper with the environment"
_SYNTAX = "can change what the statement or an audit command means"

# Why each forbidden word is refused; matched on a token's whole name (`«»` stripped).
_KEYWORDS: dict[str, str] = {
    "sorry": f"`sorry` {_UNPROVED}",
    "admit": f"`admit` {_UNPROVED}",
    "axiom": "`axiom` declares a statement without proof",
    "native_decide": f"`native_decide` {_COMPILER} (Lean.ofReduceBool)",
    "implemented_by": "`@[implemented_by]` swaps in code the kernel never sees",
    "extern": "`@[extern]` swaps in code the kernel never sees",
    "csimp": "`@[csimp]` rewrites compiled code with an unchecked lemma",
    "unsafe": "`unsafe` declarations bypass the kernel's checks",
    "partial": "`partial` definitions are opaque to the kernel and only useful with compiler trust",
    "run_cmd": f"`run_cmd` {_META}",
    "run_elab": f"`run_elab` {_META}",
    "run_meta": f"`run_meta` {_META}",
    "run_tac": f"`run_tac` {_META}",
    "by_elab": f"`by_elab` {_META}",
    "initialize": "`initialize` runs code when the environment is loaded",
    "builtin_initialize": "`builtin_initialize` runs code when the environment is loaded",
    "elab": f"`elab` defines an elaborator that {_SYNTAX}",
    "elab_rules": f"`elab_rules` defines an elaborator that {_SYNTAX}",
    "macro": f"`macro` {_SYNTAX}",
    "macro_rules": f"`macro_rules` {_SYNTAX}",
    "syntax": f"`syntax` {_SYNTAX}",
    "notation": f"`notation` {_SYNTAX}",
    "notation3": f"`notation3` {_SYNTAX}",
    "infix": f"`infix` {_SYNTAX}",
    "infixl": f"`infixl` {_SYNTAX}",
    "infixr": f"`infixr` {_SYNTAX}",
    "prefix": f"`prefix` {_SYNTAX}",
    "postfix": f"`postfix` {_SYNTAX}",
    "mixfix": f"`mixfix` {_SYNTAX}",
    "binder_predicate": "`binder_predicate` extends the parser",
    "simproc": f"`simproc` {_META}",
    "dsimproc": f"`dsimproc` {_META}",
    "simproc_decl": f"`simproc_decl` {_META}",
    "dsimproc_decl": f"`dsimproc_decl` {_META}",
    "unif_hint": "`unif_hint` changes how the elaborator unifies terms",
    "set_premise_selector": f"`set_premise_selector` {_META}",
}

# Compiler-trust and sorry constants: refused as any component of a name (`Lean.ofReduceBool`, `reduceBool`
# after `open Lean`, `«sorryAx»`).
_CONSTANTS: dict[str, str] = {
    "sorryAx": "`sorryAx` is the axiom behind `sorry`",
    "ofReduceBool": f"`Lean.ofReduceBool` {_COMPILER}",
    "ofReduceNat": f"`Lean.ofReduceNat` {_COMPILER}",
    "trustCompiler": f"`Lean.trustCompiler` {_COMPILER}",
    "reduceBool": "`Lean.reduceBool` asks the compiler, not the kernel",
    "reduceNat": "`Lean.reduceNat` asks the compiler, not the kernel",
}

# `#` commands a proof may contain (they only print); every other one is refused (`#exit`, `#eval`, ...).
_HASH_ALLOWED = frozenset({"#check", "#print", "#reduce", "#synth"})

# Options whose first component is here change what Lean checks or how it runs compiled code.
_OPTION_ROOTS = frozenset({"debug", "compiler", "interpreter", "bootstrap"})

# Inside `@[...]` / `attribute [...]`: attributes that register code to run while Lean reads the file
# (elaborators, parsers, delaborators, norm_num/positivity extensions, initialisers).
_META_ATTRIBUTES = frozenset(
    {
        "tactic",
        "init",
        "export",
        "norm_num",
        "positivity",
        "gcongr_forward",
        "app_unexpander",
        "env_linter",
        "server_rpc_method",
        "widget_module",
        "hole_code_action",
    }
)
_META_ATTRIBUTE_PARTS = (
    "elab",
    "parser",
    "delab",
    "unexpander",
    "simproc",
    "code_action",
    "linter",
    "widget",
    "formatter",
    "parenthesizer",
)


@dataclass(frozen=True)
class Finding:
    """One forbidden construct found by the gate."""

    token: str
    line: int
    reason: str


def _attribute_spans(tokens: list[Token]) -> dict[int, str]:
    """Token index -> the first attribute name of its `@[...]` / `attribute [...]` span."""
    inside: dict[int, str] = {}
    k = 0
    while k < len(tokens):
        t = tokens[k]
        opener = (t.kind is Kind.SYMBOL and t.text == "@[") or (
            t.name == "attribute" and k + 1 < len(tokens) and tokens[k + 1].text == "["
        )
        if not opener:
            k += 1
            continue
        k += 1 if t.text == "@[" else 2
        depth, head = 1, ""
        while k < len(tokens) and depth:
            tt = tokens[k]
            if tt.kind is Kind.SYMBOL:
                depth += tt.text.count("[") - tt.text.count("]")
            if depth > 0:
                head = head or (tt.name if tt.kind is Kind.IDENT else "")
                inside[k] = head
            k += 1
    return inside


def scan(src: str) -> list[Finding]:
    """Every forbidden construct in `src`, in order; empty when the text may go to Lean."""
    try:
        tokens = tokenize(src)
    except LexError as exc:
        return [Finding("", line_of(src, exc.offset), f"the proof is not lexically valid Lean: {exc}")]
    attrs = _attribute_spans(tokens)
    found: list[Finding] = []
    line, counted = 1, 0  # lines counted incrementally: tokens come in text order
    for k, tok in enumerate(tokens):
        if not _suspect(tokens, k, attrs):
            continue
        reason = token_reason(tokens, k, attrs.get(k))
        if reason:
            line += src.count("\n", counted, tok.start)
            counted = tok.start
            found.append(Finding(tok.text, line, reason))
    return found


_LITERALS = (Kind.STRING, Kind.CHAR, Kind.NUMBER)
_WATCHED = frozenset(_KEYWORDS) | {"native"}


def _suspect(tokens: list[Token], k: int, attrs: dict[int, str]) -> bool:
    """A cheap filter before `token_reason`: most tokens of a proof are none of its cases."""
    tok = tokens[k]
    if tok.kind in _LITERALS:
        return False
    name = tok.name
    return (
        name in _WATCHED
        or name[:1] == "#"
        or k in attrs
        or (k > 0 and tokens[k - 1].name == "set_option")
        or name.startswith(("register_", "declare_"))
        or any(p in _CONSTANTS for p in tok.parts)
    )


def token_reason(tokens: list[Token], k: int, attribute: str | None) -> str | None:
    """Why `tokens[k]` is refused, or None; `attribute` names the attribute span it is in, if any."""
    tok = tokens[k]
    if tok.kind in (Kind.STRING, Kind.CHAR, Kind.NUMBER):
        return None
    name = tok.name
    if name in _KEYWORDS and not (name == "unsafe" and attribute == "aesop"):
        return _KEYWORDS[name]
    parts = tok.parts or (name,)
    bad = next((p for p in parts if p in _CONSTANTS), None)
    if bad is not None:
        return _CONSTANTS[bad]
    if tok.kind is Kind.SYMBOL and _hash_command(name) and name not in _HASH_ALLOWED:
        return f"`{name}` runs or steers elaboration; proofs may only use {', '.join(sorted(_HASH_ALLOWED))}"
    if name.startswith(("register_", "declare_")):
        return f"`{name}` registers meta code or an environment extension"
    prev = tokens[k - 1] if k else None
    nxt = tokens[k + 1] if k + 1 < len(tokens) else None
    if prev is not None and prev.name == "set_option" and name.split(".")[0] in _OPTION_ROOTS:
        return f"the `{name}` option changes what the kernel checks or how compiled code runs"
    if name == "native" and (
        (prev is not None and prev.text == "+") or (nxt is not None and nxt.text == ":=")
    ):
        return f"`decide` with `native` {_COMPILER} (Lean.ofReduceBool)"
    if attribute is not None and any(_is_meta_attribute(p) for p in parts):
        return f"the `@[{name}]` attribute registers meta code that runs during elaboration"
    return None


def _hash_command(name: str) -> bool:
    return name[:1] == "#" and is_id_first(name[1:2])


def _is_meta_attribute(name: str) -> bool:
    return (
        name in _META_ATTRIBUTES
        or name.startswith("builtin_")
        or any(part in name for part in _META_ATTRIBUTE_PARTS)
    )


def gate_reason(findings: list[Finding]) -> str:
    """One line for the verdict: the first finding, and how many more there are."""
    first = findings[0]
    where = f" (line {first.line})" if first.token else ""
    more = f"; {len(findings) - 1} more forbidden construct(s)" if len(findings) > 1 else ""
    return f"forbidden construct{where}: {first.reason}{more}"


__all__ = ["Finding", "LexError", "Token", "gate_reason", "line_of", "scan", "token_reason", "tokenize"]
