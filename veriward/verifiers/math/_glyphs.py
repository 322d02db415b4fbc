"""Unicode math written in plain text: superscripts, roots, vulgar fractions, π glued to a number.

Two halves, both plain string work on bounded text:
- `to_latex` rewrites the glyphs as the LaTeX the parser reads (`3²` -> `3^{2}`, `1½` -> `\\frac{3}{2}`,
  `√(x+1)` -> `\\sqrt{x+1}`), so a glyph is never dropped or read as a unit;
- `value_span` tells the prose readers where a number written in text really starts and ends: `–42`,
  `4π`, `3²`, `2√3`, `4x` are one value each, never the number `42` or `4` with the rest ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ", "0123456789+-n", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))
_VULGAR = {
    "½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅕": (1, 5), "⅖": (2, 5),
    "⅗": (3, 5), "⅘": (4, 5), "⅙": (1, 6), "⅚": (5, 6), "⅐": (1, 7), "⅛": (1, 8), "⅜": (3, 8),
    "⅝": (5, 8), "⅞": (7, 8), "⅑": (1, 9), "⅒": (1, 10),
}  # fmt: skip
VULGAR_GLYPHS = "".join(_VULGAR)
# Every form of a minus sign: the minus, en dash, hyphen, non-breaking hyphen, figure dash, small and
# fullwidth minus (an em dash or a bar before a number is a sign too, but not one that can be read).
MINUS_SIGNS = "−–‐‑‒﹣－"
_ROOTS = {"√": "\\sqrt", "∛": "\\sqrt[3]", "∜": "\\sqrt[4]"}

_SUP_RUN = re.compile("[" + "".join(_SUPERSCRIPTS) + "]+")
_SUB_RUN = re.compile("[" + "".join(_SUBSCRIPTS) + "]+")
_MIXED = re.compile(r"(?<![\d.])(\d{1,9})?\s?([" + "".join(_VULGAR) + "])")
# A root's radicand: a number, a letter, a braced or parenthesised group (one level of nesting).
_RADICAND = r"(?:\d+(?:\.\d+)?|[A-Za-z]|\{[^{}\n]{1,80}\}|\((?:[^()\n]|\([^()\n]{0,40}\)){1,80}\))"
_ROOT = re.compile(r"([√∛∜])\s?(" + _RADICAND + ")")


def _radicand(group: str) -> str:
    if group[0] in "({" and group[-1] in ")}":
        group = group[1:-1]
    return "{" + group + "}"


def _mixed(m: re.Match[str]) -> str:
    a, b = _VULGAR[m.group(2)]
    whole = int(m.group(1)) if m.group(1) else 0
    return f"\\frac{{{whole * b + a}}}{{{b}}}"


def _run(table: dict[str, str], mark: str) -> Callable[[re.Match[str]], str]:
    return lambda m: mark + "{" + "".join(table[c] for c in m.group(0)) + "}"


def to_latex(s: str) -> str:
    """The glyphs of `s` as LaTeX; text without them comes back unchanged."""
    if s.isascii():
        return s
    s = s.replace("⁄", "/")  # the fraction slash
    s = _MIXED.sub(_mixed, s)
    s = _SUP_RUN.sub(_run(_SUPERSCRIPTS, "^"), s)
    s = _SUB_RUN.sub(_run(_SUBSCRIPTS, "_"), s)
    return _ROOT.sub(lambda m: _ROOTS[m.group(1)] + _radicand(m.group(2)), s)


# What may continue a number written in text with no space: exponents, roots, fractions, π.
_GLUED = re.compile(
    "(?:[" + "".join(_SUPERSCRIPTS) + "".join(_VULGAR) + "π]|⁄\\d+|\\s?π|[√∛∜]\\s?" + _RADICAND + ")+"
)
_GLUED_LETTERS = re.compile(r"[A-Za-z]{1,3}(?![A-Za-z])")
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b", re.I)
# Signs glued before a number (not after a word: `COVID-19`, `5–7`) belong to it: every dash or minus
# form (`–42` is -42, never 42), and the signs that make it something else (`±42`, `¬42`, `~42`).
_SIGN_BEFORE = re.compile(rf"(?<![\w.])[{MINUS_SIGNS}—―\uff0b+\-±∓¬~!]{{1,3}}$")
_ROOT_BEFORE = re.compile(r"(?:\d+(?:\.\d+)?\s?)?([√∛∜])\s?[({]?\s?$")


def value_span(text: str, start: int, end: int, is_unit: Callable[[str], bool]) -> tuple[int, int]:
    """Where a number found at `[start, end)` in prose really starts and ends: with a sign or a root
    sign before it (`–42`, `±42`, `√3`, `2√(3)`), and past glued glyphs (`4π`, `3²`, `2√3`) and glued
    letters that are neither a unit nor an ordinal suffix (`4x`, `3e`; not `5cm`, not `5th`)."""
    window = max(0, start - 16)
    before = _ROOT_BEFORE.search(text, window, start)
    if before:
        root = _ROOT.match(text, before.start(1))
        start, end = before.start(), max(end, root.end() if root else end)
    sign = _SIGN_BEFORE.search(text, max(0, start - 3), start)
    if sign:
        start = sign.start()
    m = _GLUED.match(text, end)
    if m:
        end = m.end()
    letters = _GLUED_LETTERS.match(text, end)
    if letters and not _ORDINAL.match(letters.group(0)) and not is_unit(letters.group(0)):
        end = letters.end()
        m = _GLUED.match(text, end)  # `2x²`
        end = m.end() if m else end
    return start, end
