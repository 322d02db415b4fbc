"""Reading Lean source: the proof out of a response, the name and type of a reference statement, imports."""

from __future__ import annotations

import re
from dataclasses import dataclass

from veriward.verifiers.lean._lexer import Kind, LexError, Token, line_of, tokenize

_FENCE_RE = re.compile(r"```[ \t]*(lean4?|)[ \t]*\n(.*?)```", re.DOTALL | re.IGNORECASE)
_OPEN_FENCE_RE = re.compile(r"```[ \t]*lean4?[ \t]*\n", re.IGNORECASE)
_DECL_KEYWORDS = ("theorem", "lemma")


class SourceError(ValueError):
    """The reference's Lean text cannot be used (no theorem name, unbalanced brackets, ...)."""


def extract_proof(response: str) -> str:
    """The last ```lean (or ```lean4) block of a response; else its last unlabelled block; else what follows
    an unclosed ```lean (a truncated generation); else all of it."""
    blocks = _FENCE_RE.findall(response)
    labelled = [body for lang, body in blocks if lang]
    if labelled:
        return str(labelled[-1])
    if blocks:
        return str(blocks[-1][1])
    opened = list(_OPEN_FENCE_RE.finditer(response))
    return response[opened[-1].end() :] if opened else response


@dataclass(frozen=True)
class Statement:
    """A reference theorem statement split around its name: `prefix` + name + `signature`."""

    name: str  # as written, possibly dotted (`Nat.foo`)
    prefix: str  # attributes, docstring and the `theorem` keyword
    signature: str  # binders and `: type`, without `:=` and any proof

    def renamed(self, last_component: str) -> str:
        """The name with its last component replaced (same namespace, so the same name resolution)."""
        head = namespace_of(self.name)
        return f"{head}.{last_component}" if head else last_component

    def with_name(self, last_component: str) -> str:
        """The statement declared under `renamed(last_component)`."""
        return f"{self.prefix}{self.renamed(last_component)}{self.signature}"


def namespace_of(name: str) -> str:
    """`A.«b.c».d` -> `A.«b.c»`: the name as written without its last component (dots in «» kept)."""
    last = name.rfind("«") if name.endswith("»") else name.rfind(".") + 1
    return name[: max(0, last - 1)]


def parse_statement(text: str) -> Statement:
    """Split `theorem name (binders) : type [:= proof]`; `SourceError` says what is wrong."""
    try:
        tokens = tokenize(text)
    except (LexError, RecursionError) as exc:
        raise SourceError(f"statement is not lexically valid Lean: {type(exc).__name__}: {exc}") from None
    k = next((i for i, t in enumerate(tokens) if t.kind is Kind.IDENT and t.text in _DECL_KEYWORDS), None)
    if k is None or k + 1 >= len(tokens):
        raise SourceError("statement must declare a named theorem: `theorem NAME (binders) : type`")
    name_tok = tokens[k + 1]
    if name_tok.kind is not Kind.IDENT:
        raise SourceError(f"statement must name its theorem after `{tokens[k].text}`")
    end = _signature_end(text, [t for t in tokens[k + 2 :] if not t.in_string])
    signature = text[name_tok.start + len(name_tok.text) : end].rstrip()
    if ":" not in signature:
        raise SourceError("statement has no type: expected `theorem NAME (binders) : type`")
    return Statement(name_tok.text, text[: name_tok.start], signature)


_CLOSE = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄"}


def _signature_end(text: str, tokens: list[Token]) -> int:
    """Offset of the first `:=` outside brackets (binder defaults may contain `:=`), else the end.

    Brackets are counted character by character inside symbol tokens: `#[`, `![` and `𝓝[` open one."""
    stack: list[str] = []
    for t in tokens:
        if t.kind is not Kind.SYMBOL:
            continue
        if t.text == ":=" and not stack:
            return t.start
        for c in t.text:
            if c in _CLOSE:
                stack.append(_CLOSE[c])
            elif c in _CLOSE.values():
                if not stack or stack[-1] != c:
                    raise SourceError(f"unbalanced `{c}` in the statement (line {line_of(text, t.start)})")
                stack.pop()
    if stack:
        raise SourceError(f"unclosed bracket in the statement: expected `{stack[-1]}`")
    return len(text)


def split_imports(text: str) -> tuple[list[str], str]:
    """The modules a text imports at its top, and the text after the last `import` line."""
    tokens = tokenize(text)
    modules: list[str] = []
    k, cut = 0, 0
    while k + 1 < len(tokens) and tokens[k].text == "import" and tokens[k + 1].kind is Kind.IDENT:
        mod = tokens[k + 1]
        modules.append(mod.text)
        cut = mod.start + len(mod.text)
        k += 2
    return modules, text[cut:]


__all__ = ["SourceError", "Statement", "extract_proof", "namespace_of", "parse_statement", "split_imports"]
