"""Lean's lexical data: identifier characters (Init/Meta/Defs.lean) and the fixed tokens of core and Mathlib.

Lean matches the longest fixed token at a position before it looks for a comment, so `<--1` is `<-` then
`-1` and `//-` is `//` then `-`. The table below holds the symbol tokens of core Lean and of the Mathlib
stack (Batteries, Aesop, Qq included) that contain a character the lexer must not misread: a quote, `-`,
`/`, `.`, or an identifier character after a symbol. Tokens made only of identifier characters (`fun`,
`theorem`) need no entry: an identifier reads the same text. Where a token is missing, the gate refuses the
places where that could matter (a comment or char literal glued to a symbol), see `_lexer.py`.
"""

from __future__ import annotations

import re

# `Lean.isLetterLike` (current toolchain): Greek but λ Π Σ, Coptic, polytonic Greek, the Letterlike block,
# mathematical alphanumerics, Latin-1 letters but × ÷, Latin Extended-A.
_LETTER_LIKE = (
    "\u0391-\u039f\u03a1\u03a2\u03a4-\u03a9"  # upper Greek but Π (03A0) and Σ (03A3)
    "\u03b1-\u03ba\u03bc-\u03fb"  # lower Greek but λ (03BB), then Coptic 03CA-03FB
    "\u1f00-\u1ffe"
    "\u2100-\u214f"
    "\U0001d49c-\U0001d59f"
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff"
    "\u0100-\u017f"
)
# `Lean.isSubScriptAlnum`.
_SUBSCRIPT = "\u2080-\u2089\u2090-\u209c\u1d62-\u1d6a\u2c7c"
# `Char.isAlpha` / `isAlphanum` are ASCII-only in Lean.
ID_FIRST = f"A-Za-z_{_LETTER_LIKE}"
ID_REST = f"A-Za-z0-9_'!?{_LETTER_LIKE}{_SUBSCRIPT}"
ID_FIRST_RE = re.compile(f"[{ID_FIRST}]")
ID_REST_RUN_RE = re.compile(f"[{ID_REST}]*")

# Lean's `Char.isWhitespace`: only these four (a tab is an error, but still not a token).
WHITESPACE = frozenset(" \t\r\n")

_CORE = """
( ) [ ] { } ⟨ ⟩ ⦃ ⦄ ⟦ ⟧ ‹ › , . .. ... : :: := ; | || |> |>. <| <|> $ @ @[ @& # #[ #v[ #m[ #s[ #%[ %[
+ - * / % ^ ++ = == != ≠ < > <= >= ≤ ≥ && ! ¬ ∧ ∨ /\\ \\/ -> → <- ← <-> ↔ => ↦ ∘ × ×' Σ Σ' ∀ ∃ λ Π
<$> <*> <* *> >>= >> =<< >=> <=< <&> &&& ||| ^^^ <<< >>> ∣ ▸ · • ∈ ∉ ⊆ ⊂ ⊇ ⊃ ∪ ∩ \\ ∅ ⁻¹ ≈ ≡ ≅ ⊢
<;> ? ?? -[ +1] // ⋯ ⟶ ← ↑ ⇑ ↥ %
` `( ``( `[ `(tactic| `(term| `(command|
'' ⁻¹' ∑' ∏' ∘' ∃! ∑ ∏ ⋃ ⋂ ⨆ ⨅ ∫ ∮ ∂ ∞ √ ∛ ∜ ‖ ‖₊ ⌊ ⌋ ⌈ ⌉ ⌊₊ ⌋₊ ⌈₊ ⌉₊ ⟪ ⟫ ⁅ ⁆ ⟮ ⟯ ⊤ ⊥ ⊓ ⊔ ⋆ † ᵀ ᴴ ˣ ᶜ
ᵒᵈ ᵐᵒᵖ ᵃᵒᵖ ᵒᵖ ⁺ ⁻ ∆ ⇨ ⊻ ⊗ ⊕ ⊞ ⊠ ⊛ ⬝ ×ˢ +ᵥ -ᵥ •ℕ •ℤ ∣ₘ /. ⧸ ≪ ≫ ⋙ ≌ ⥤ 𝟙 𝟭 ∐ ⨿ ⊗ₜ ⊗ₘ
→+ →* →+* ≃ ≃+ ≃* ≃+* ↪ ↠ →₀ Π₀ →ᵇ →o →ₗ[ ≃ₗ[ →L[ ≃L[ →ₐ[ ≃ₐ[ →ₙ+* →ₙ* →+*o ≃o ↪o ≃ᵢ
=ᶠ[ ≤ᶠ[ =ᵐ[ ≤ᵐ[ ∀ᶠ ∃ᶠ ∀ᵐ ∃ᵐ ∫⁻ ∑ᶠ ∏ᶠ ![ !![ ‼ ≡ₘ ⌊/⌋
ℝ≥0 ℝ≥0∞ ℚ≥0 ℤ√ Type* Sort* 𝓝[ 𝓝[≠] 𝓝[>] 𝓝[<] 𝓝[≥] 𝓝[≤] 𝓝ˢ
/-- /-!
"""

SYMBOL_TOKENS: frozenset[str] = frozenset(_CORE.split())
# Brackets and separators that no table token extends with a quote: a char literal may touch them (`['a']`).
OPENERS = frozenset({"(", "[", "{", "⟨", "⦃", "⟦", ",", ";", "![", "#["})

# Tokens that take an interpolated string (`s!"…{code}…"`) right after them, whitespace and comments allowed
# between (Lean's token parser skips them): Lean core and Mathlib's `(interpolatedStr(term) <|> term)` users.
# A string after any other token is also read as an interpolation where that reading ends at the same quote
# (see `_lexer.py`), so this list only decides ambiguous strings.
INTERPOLATORS = frozenset(
    {
        "s!",
        "m!",
        "f!",
        "throwError",
        "throwNamedError",
        "logNamedError",
        "println!",
        "dbg_trace",
        "reportIssue!",
        "aesop_trace!",
    }
)


def _by_first(tokens: frozenset[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for t in tokens:
        out.setdefault(t[0], []).append(t)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


TOKENS_BY_FIRST = _by_first(SYMBOL_TOKENS)


def longest_token(src: str, pos: int, limit: int) -> str | None:
    """The longest fixed token at `pos` ending by `limit`, as Lean's token trie matches it."""
    for tok in TOKENS_BY_FIRST.get(src[pos], ()):
        if pos + len(tok) <= limit and src.startswith(tok, pos):
            return tok
    return None


__all__ = [
    "ID_FIRST_RE",
    "ID_REST_RUN_RE",
    "INTERPOLATORS",
    "OPENERS",
    "SYMBOL_TOKENS",
    "WHITESPACE",
    "longest_token",
]
