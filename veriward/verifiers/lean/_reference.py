"""References through the same gate as proofs: a header of imports, `open`, allowlisted `set_option` and
`universe` lines only, and a statement that is one theorem declaration.

References may come from untrusted datasets, and both texts reach Lean before the proof does: a header
holding `macro_rules` or `#eval`, or a statement followed by `axiom boom : False`, would change what every
later check means. Whatever is not allowed is a `ReferenceError` (the API answers 422 with its reason).
"""

from __future__ import annotations

from veriward.verifiers.lean._gate import scan
from veriward.verifiers.lean._lexer import Kind, LexError, Token, is_id_first, tokenize
from veriward.verifiers.lean._source import SourceError, Statement, parse_statement

# Options a header may set: budgets and what is printed, nothing that changes what is checked.
_HEADER_OPTIONS = frozenset(
    {
        "maxHeartbeats",
        "maxRecDepth",
        "maxSynthPendingDepth",
        "synthInstance.maxHeartbeats",
        "synthInstance.maxSize",
        "autoImplicit",
        "relaxedAutoImplicit",
        "exponentiation.threshold",
    }
)
_HEADER_OPTION_PREFIXES = ("pp.", "linter.")
_OPEN_WORDS = frozenset({"scoped", "hiding", "renaming", "(", ")", "→", "->", ","})
_HEADER_WORDS = frozenset({"import", "open", "set_option", "universe"})
# Words that start a command: inside a statement they would declare or change something after it.
_COMMANDS = frozenset(
    {
        "def", "theorem", "lemma", "abbrev", "instance", "example", "opaque", "axiom", "inductive",
        "coinductive", "structure", "class", "mutual", "namespace", "section", "end", "export", "variable",
        "universe", "attribute", "deriving", "noncomputable", "private", "protected", "partial", "unsafe",
        "nonrec", "import", "include", "omit", "irreducible_def", "alias", "add_decl_doc", "local", "scoped",
        "@[",
    }
)  # fmt: skip


_STOP = _COMMANDS | _HEADER_WORDS - {"scoped"}


class ReferenceError(ValueError):
    """The reference cannot be used; the message says why (sent back as a 422)."""


def _tokens(text: str, what: str) -> list[Token]:
    findings = scan(text)
    if findings:
        f = findings[0]
        raise ReferenceError(f"{what}, line {f.line}: {f.reason}")
    try:
        return [t for t in tokenize(text) if not t.in_string]
    except LexError as exc:  # scan() already reports these; kept for the type checker
        raise ReferenceError(f"{what}: {exc}") from None


def check_header(text: str) -> list[str]:
    """The modules a header imports; `ReferenceError` unless it holds only allowed commands."""
    tokens = _tokens(text, "reference.header")
    modules: list[str] = []
    k = 0
    while k < len(tokens) and tokens[k].text == "import":
        if k + 1 >= len(tokens) or tokens[k + 1].kind is not Kind.IDENT:
            raise ReferenceError("reference.header: `import` must name a module")
        modules.append(tokens[k + 1].text)
        k += 2
    while k < len(tokens):
        word = tokens[k].text
        if word == "open":
            k = _open_args(tokens, k + 1)
        elif word == "set_option":
            k = _option(tokens, k + 1)
        elif word == "universe":
            start = k = k + 1
            while k < len(tokens) and tokens[k].kind is Kind.IDENT and tokens[k].text not in _STOP:
                k += 1
            if k == start:
                raise ReferenceError("reference.header: `universe` must name universe variables")
        else:
            raise ReferenceError(
                f"reference.header: `{word}` is not allowed; a header holds only `import`, `open`, "
                "`set_option` (budget and printing options) and `universe` lines"
            )
    return modules


def _open_args(tokens: list[Token], k: int, scoped: bool = False) -> int:
    names = 0
    while k < len(tokens):
        t = tokens[k]
        if t.text == "in":
            if scoped:
                break
            raise ReferenceError("reference.header: `open … in` applies to nothing in a header")
        if t.kind is Kind.IDENT and t.text not in _STOP:
            names += t.text not in _OPEN_WORDS
        elif t.text not in _OPEN_WORDS:
            break
        k += 1
    if not names:
        raise ReferenceError("reference.header: `open` must name a namespace")
    return k


def _option(tokens: list[Token], k: int, scoped: bool = False) -> int:
    if k + 1 >= len(tokens) or tokens[k].kind is not Kind.IDENT:
        raise ReferenceError("reference.header: `set_option` needs an option name and a value")
    name, value = tokens[k].name, tokens[k + 1]
    if name not in _HEADER_OPTIONS and not name.startswith(_HEADER_OPTION_PREFIXES):
        allowed = [*sorted(_HEADER_OPTIONS), *(p + "*" for p in _HEADER_OPTION_PREFIXES)]
        raise ReferenceError(
            f"reference.header: the option `{name}` is not allowed (allowed: {', '.join(allowed)})"
        )
    if not (value.kind in (Kind.NUMBER, Kind.STRING) or value.text in {"true", "false"}):
        raise ReferenceError(f"reference.header: `set_option {name}` needs a number, a string or true/false")
    if not scoped and k + 2 < len(tokens) and tokens[k + 2].text == "in":
        raise ReferenceError("reference.header: `set_option … in` applies to nothing in a header")
    return k + 2


def _check_prefix(tokens: list[Token]) -> None:
    """Before the theorem: only `open … in` and `set_option <header option> <value> in` (a doc comment is
    not a token): both are scoped to the declaration."""
    k = 0
    while k < len(tokens):
        word = tokens[k].text
        if word in ("open", "set_option"):
            try:
                k = (_open_args if word == "open" else _option)(tokens, k + 1, scoped=True)
            except ReferenceError as exc:
                raise ReferenceError(str(exc).replace("reference.header", "reference.statement")) from None
        if word not in ("open", "set_option") or k >= len(tokens) or tokens[k].text != "in":
            raise ReferenceError(
                f"reference.statement: `{word}` before the theorem; only a doc comment, `open … in` and "
                "`set_option … in` may come before it"
            )
        k += 1


def check_statement(text: str) -> Statement:
    """The statement split at its name; `ReferenceError` unless it is exactly one theorem declaration.

    Anything after the first top-level `:=` (a dataset's `:= by sorry`) is cut before the checks.
    """
    try:
        statement = parse_statement(text)
    except SourceError as exc:
        raise ReferenceError(f"reference.statement: {exc}") from None
    declared = statement.prefix + statement.name + statement.signature
    tokens = _tokens(declared, "reference.statement")
    head = next(i for i, t in enumerate(tokens) if t.text in ("theorem", "lemma"))
    _check_prefix(tokens[:head])
    for t in tokens[head + 2 :]:
        if t.text in _COMMANDS or (t.kind is Kind.SYMBOL and t.text[:1] == "#" and is_id_first(t.text[1:2])):
            raise ReferenceError(
                f"reference.statement: `{t.text}` would start another command; a statement declares one "
                "theorem"
            )
    return statement


__all__ = ["ReferenceError", "check_header", "check_statement"]
