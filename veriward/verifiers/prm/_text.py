"""Step text before claims are read: safe characters, one digit script, layout markers blanked, sentences.

Every function here is one left-to-right pass (regexes without nested or cross-line quantifiers), so that
the work is linear in the length of the text whatever it contains.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_SURROGATE = re.compile("[\ud800-\udfff]")
_OTHER_DIGIT = re.compile(
    r"(?![0-9])\d"
)  # any decimal digit of another script (Arabic-Indic, fullwidth, ...)
_SUPERSCRIPT = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_ROOT = re.compile(r"√\s*(\(|\d+(?:\.\d+)?|[A-Za-z]\b)?")
_SUBSCRIPT = re.compile("[₀₁₂₃₄₅₆₇₈₉]+")
_SUP_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉", "01234567890123456789")
_SYMBOLS = str.maketrans(
    {
        "−": "-",
        "＝": "=",
        "＋": "+",
        "－": "-",
        "（": "(",
        "）": ")",
        "×": "*",
        "✕": "*",
        "÷": "/",
        "·": "*",
        "⋅": "*",
        "∙": "*",
        "π": " pi ",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)


def _root(m: re.Match[str]) -> str:
    operand = m.group(1)
    if operand is None:
        return " # "  # a root of something not read
    return "sqrt(" if operand == "(" else f"sqrt({operand})"


def safe(text: str) -> str:
    """`text` with lone surrogates (not encodable, so not echoable in a response) made U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def canonical_chars(text: str) -> str:
    """One spelling of the same arithmetic: ASCII digits for every script, `*`/`/`/`-` for the Unicode
    operators, `^2` for `²`, `_1` for `₁`, `sqrt(3)` for `√3`, `pi` for `π`, plain spaces. Linear; the
    result may differ in length."""
    text = _OTHER_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group(), 0)), safe(text))
    text = _ROOT.sub(_root, text.translate(_SYMBOLS))
    text = _SUPERSCRIPT.sub(lambda m: "^" + m.group().translate(_SUP_DIGITS) + " ", text)
    return _SUBSCRIPT.sub(lambda m: "_" + m.group().translate(_SUP_DIGITS), text)


# A line's layout prefix: heading marks, bold, a "Step k:" label, a list marker (number, letter, bullet).
_PREFIX = re.compile(
    r"[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*|__)?[ \t]*"
    r"(?:step[ \t]*\d{1,4}[ \t]*[:.)]?[ \t]*(?:\*\*|__)?[ \t]*[:.]?)?"
    r"(?:(?:\d{1,3}|[a-z]|[ivx]{1,5})[.)](?=[ \t])|\([a-z0-9]{1,3}\)(?=[ \t])|[-*+•](?=[ \t]))?",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"\*\*|__")


def blank_layout(text: str) -> str:
    """`text` with layout markers (list numbers and bullets at line starts, `**Step k:**` headings, bold
    marks) replaced by spaces of the same length, so that positions stay valid and `1. 3 + 4 = 7` or
    `- 3 + 4 = 7` reads as the claim `3 + 4 = 7`. Run it on prose (math blanked): a line of an aligned
    formula may start with `- 3x`."""
    out = []
    for line in text.split("\n"):
        m = _PREFIX.match(line)
        cut = m.end() if m else 0
        out.append(_EMPHASIS.sub("  ", " " * cut + line[cut:]))
    return "\n".join(out)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    question: bool  # ends with "?"


_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n[ \t]*\n")


def sentences(text: str, masked: str) -> list[Sentence]:
    """Sentence spans of `text`, cut at `.`, `!`, `?` before a space and at blank lines, found in `masked`
    (the text with its math blanked, so that a full stop inside a formula does not cut, and a line of
    display math stays in the sentence that introduces it: "If x = 2, then:" ...)."""
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(masked):
        if text[start : m.end()].strip():
            out.append(Sentence(start, m.end(), m.group() == "?"))
        start = m.end()
    if text[start:].strip():
        out.append(Sentence(start, len(text), False))
    return out
