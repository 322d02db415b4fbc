"""String clean-up of an extracted answer: wrappers, spacing, units, percent and degree marks.

Everything here is plain string work on bounded input: no parsing, nothing evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veriward.verifiers.math._glyphs import MINUS_SIGNS, to_latex
from veriward.verifiers.math._scale import repeating_fraction, rewrite
from veriward.verifiers.math._units import split_unit

_UNICODE = {
    "≤": r"\le ",
    "≥": r"\ge ",
    "≠": r"\neq ",
    **dict.fromkeys(MINUS_SIGNS, "-"),
    "＋": "+",
    "×": r"\times ",
    "·": r"\cdot ",
    "π": r"\pi ",
    "∞": r"\infty ",
    "√": r"\sqrt",  # a root `to_latex` left (no radicand it can delimit)
    "∪": r"\cup ",
    "∈": r"\in ",
    "±": r"\pm ",
    "°": r"^\circ",
    "\u00a0": " ",
}
_SPACING = re.compile(
    r"(?<!\\)\\(?:[,;:! ]|quad|qquad|displaystyle|textstyle|mathstrut|limits|nolimits)(?![a-zA-Z])|~"
)
_LEFT_RIGHT = re.compile(r"\\(?:left|right|big|Big|bigg|Bigg)(?![a-zA-Z])\s*(\\\{|\\\}|\\\||[()\[\]|.])?")
_FRACS = re.compile(r"\\[dtc]frac(?![a-zA-Z])")
_DEGREE = re.compile(
    r"\^\s*\{?\s*\\circ\s*\}?|\\circ(?![a-zA-Z])|\\degree(?![a-zA-Z])|\^\s*\{?\s*o\s*\}?(?![a-zA-Z])"
)
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![a-zA-Z])")
_DEGREE_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*\^\s*\{?\s*\\circ\s*\}?")
_DEGREE_WORD = re.compile(r"\s*\b(?:degrees?|deg)\b\.?\s*$", re.I)
_PERCENT = re.compile(r"\\%|%|\\text\{\s*\\?%\s*\}|\s*\b(?:percent(?:age)?|pct)\b", re.I)
_DOLLAR = re.compile(r"\\\$|\\text\{\s*\\\$\s*\}|^\$|\$$")
_TEXT_CMD = (
    r"\\(?:text|textbf|textit|textnormal|textrm|mbox|mathrm|mathbf|mathit|mathsf|mathtt|rm|bf|operatorname)"
)
_TEXT_ONLY = re.compile(rf"^\s*{_TEXT_CMD}\s*\{{([^{{}}]*)\}}\s*$")
_TEXT_ANY = re.compile(rf"{_TEXT_CMD}\s*\{{([^{{}}]*)\}}")
_ANSWER_BLOCK = re.compile(
    r"^\s*\\text\s*\{\s*(?:the\s+)?(?:final\s+)?answer\s*(?:is)?\s*:?\s*\}\s*(?=\S)", re.I
)
_ANSWER_PREFIX = re.compile(r"^\s*(?:the\s+)?(?:final\s+)?answer\s*(?:is|:)?\s*[:=]?\s*", re.I)
_THOUSANDS_LATEX = re.compile(r"(\d)\s*(?:\{,\}|,\\!\s*|\\,(?=\d{3}))(?=\d{3})")
_TRAILING = re.compile(r"(?:[\s.,;:]|\\\\|\\\.|\\)+$")
_LEADING = re.compile(r"^(?:[\s:,;]|\\\\)+")
# A trailing unit: one or more words after a number or a closing bracket, optionally with a power.
# (words, not letter codes: `70.OO` is not 70 with a unit, and stays unreadable)
_UNIT_TAIL = re.compile(r"(?<=[\d}).\]])\s*(?:(?:[a-z][a-zA-Z]+|[A-Z][a-z]+)\.?(?:\^\{?\d\}?|[²³])?\s*)+$")
_ALPHA_WORD = re.compile(r"[A-Za-z]{2,}")
_CONNECTORS = re.compile(r"\s*(?:\b(?:and|or|as well as)\b|&)\s*", re.I)

# Letters that are units when they follow a number inside \text{} or \mbox{} (e.g. `15\mbox{ cm}^2`).
_MATH_WORDS = {"and", "or", "if", "for", "where", "with", "is", "are"}
# A qualifier after the value (`... for k \in \mathbb{Z}`, `... where p is any prime`): the value ends there.
_QUALIFIER = re.compile(
    r"(?<=\S)\s*,\s*(?=(?:[a-zA-Z]\s*,\s*){0,3}[a-zA-Z]\s*\\in\s*\\mathbb\b)"  # `x^c, c \in \mathbb{R}`
    r"|(?<=\S)\s+(?:for\s+(?:all|any|every|each|some)\b|for\s+(?=[a-zA-Z]\s*\\in\b)|where\b|such\s+that\b"
    r"|with\s+(?=[a-zA-Z]\s*(?:\\in|>|<|\\ge|\\le|\\neq))|(?:when|whenever)\b)",
    re.I,
)


@dataclass
class Cleaned:
    """An answer string after clean-up, with the marks removed from it."""

    text: str
    percent: bool = False
    degree: bool = False
    is_text: bool = False  # the whole answer was a \text{...} block: a word, not a number
    has_or: bool = False  # "5 or 6": several alternatives offered
    unit: str = ""  # the unit text trailing the value (`cm^2`), read by `_units.parse_unit`
    qualifier: str = ""  # the qualifier cut after the value (`for some c > 0`)


def strip_delimiters(s: str) -> str:
    """Remove math-mode delimiters and surrounding punctuation."""
    s = s.replace("**", " ").strip()
    if "\\begin" not in s:
        s = re.sub(r"\\\\(?=[a-zA-Z])", r"\\", s)  # JSON-doubled backslashes: `\\frac` -> `\frac`
    for a, b in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if s.startswith(a) and s.endswith(b) and len(s) >= len(a) + len(b):
            s = s[len(a) : len(s) - len(b)].strip()
    s = s.replace("$", " ")
    s = re.sub(r"^#+\s*", "", s)  # `#### 72` (GSM8K) and markdown headings
    s = _TRAILING.sub("", s)
    return _LEADING.sub("", s).strip()


# A repeating decimal: `0.\overline{3}`, `0.1\overline{6}`, `1.\dot{3}`.
_REPEATING = re.compile(r"(?<![\d.])(\d{0,12})\.(\d{0,12})\\(?:overline|bar|dot)\s*\{\s*(\d{1,12})\s*\}")


def _repeating(m: re.Match[str]) -> str:
    return repeating_fraction(m.group(1) or "0", m.group(2), m.group(3))


def basic(s: str) -> str:
    """Unicode, spacing commands, \\left/\\right and fraction variants; bounded regex work only."""
    s = to_latex(s)
    if "." in s and "\\" in s:
        s = _REPEATING.sub(_repeating, s)
    for k, v in _UNICODE.items():
        if k in s:
            s = s.replace(k, v)
    s = _THOUSANDS_LATEX.sub(r"\1", s)
    s = _LEFT_RIGHT.sub(lambda m: m.group(1) or "", s)
    s = _SPACING.sub(" ", s)
    s = _FRACS.sub(r"\\frac", s)
    s = s.replace(r"\lt", "<").replace(r"\gt", ">").replace(r"\ne ", r"\neq ")
    s = re.sub(r"\\(?:mathrm|text|operatorname)\{\s*e\s*\}", "e", s)
    return re.sub(r"\s+", " ", s).strip()


def clean(answer: str) -> Cleaned:
    """Turn an extracted answer into a string ready to parse, noting percent/degree/text marks."""
    s = basic(strip_delimiters(answer))
    s = re.sub(r"^\\boxed\s*\{(.*)\}$", r"\1", s).strip()
    s = _ANSWER_BLOCK.sub("", s) or s  # `\text{The answer is } \text{No}`: the prefix block goes
    out = Cleaned(s)
    only = _TEXT_ONLY.match(s)
    if only:
        inner = _ANSWER_PREFIX.sub("", only.group(1)).strip()
        if inner:
            out.text, out.is_text = inner, True
            return out
    s, out.unit = split_unit(rewrite(s))
    s = _TEXT_ANY.sub(lambda m: _text_block(m.group(1)), s)
    qualifier = _QUALIFIER.search(s, 1)
    if qualifier:
        s, out.qualifier = s[: qualifier.start()], s[qualifier.start() :].strip()
    s = re.sub(r"(?<!\\)\\(?=\d)", "", s)  # `\15`: a `\$` whose dollar was lost
    s = _ANSWER_PREFIX.sub("", s)
    if _PERCENT.search(s):
        out.percent = True
        s = _PERCENT.sub(" ", s)
    if _TRIG.search(s):  # `\sin 60^\circ`: degrees inside a function are read in radians
        s = _DEGREE_NUMBER.sub(r"\\frac{\1\\pi}{180}", s)
    if _DEGREE.search(s) or _DEGREE_WORD.search(s):
        out.degree = True
        s = _DEGREE_WORD.sub("", _DEGREE.sub(" ", s))
    s = _DOLLAR.sub(" ", s.strip())
    s = re.sub(r"(?<=[\d)])or(?=[A-Za-z(\\])", " or ", s)  # `W(x)=1orW(x)=-1`
    if re.search(r"\bor\b", s):
        out.has_or = True
    s = _CONNECTORS.sub(", ", s) if re.search(r"\b(?:and|or)\b", s) else s
    s = _UNIT_TAIL.sub("", s.strip())
    out.text = _TRAILING.sub("", re.sub(r"\s+", " ", s)).strip(" ,")
    return out


def _text_block(inner: str) -> str:
    """A \\text{} block inside a larger answer: connectors stay, prefixes and unit words go."""
    words = inner.strip()
    low = words.lower()
    if low in _MATH_WORDS or re.match(r"(?:for|where|such that|when|whenever)\b", low):
        return f" {low} "  # connectors stay; a qualifier is cut after this by _QUALIFIER
    if _ANSWER_PREFIX.match(words) and _ANSWER_PREFIX.sub("", words) == "":
        return " "
    if re.fullmatch(r"\(?[A-J]\)?", words):
        return words
    if re.fullmatch(r"[\sA-Za-z.²³^0-9/-]*", words) and _ALPHA_WORD.search(words):
        return " "  # a unit or a unit word
    return f" {words} "


_NEG_WORD = re.compile(
    r"(?<![\\A-Za-z])(?:not|no|never|none|neither|nor|cannot|(?:is|are|was|were|ca|do|does)n['’]t)(?![A-Za-z])",
    re.I,
)
_NEG_LEADING = re.compile(r"^\s*(?:\\neq?|\\not)(?![a-zA-Z])")


def negates_value(answer: str) -> bool:
    """`\\text{not } 3`, `no 3`, `\\neq 3`: a value the answer itself denies or retracts.
    A negation with no value (`\\text{No}`, `no solution`) is a text answer, and `x \\neq 3` a relation."""
    s = basic(strip_delimiters(answer))
    if _NEG_LEADING.match(s):
        return True
    if not _NEG_WORD.search(s):
        return False
    rest = re.sub(r"[A-Za-z'’]{2,}", " ", _TEXT_ANY.sub(" ", s))
    return bool(re.search(r"\d|\\(?:infty|pi)\b", s) or re.search(r"[^\s\\.,;:!?{}()]", rest))


def normalize_text(s: str) -> str:
    """Case-, space- and markup-insensitive form of a text answer."""
    s = _TEXT_ANY.sub(r"\1", s)
    return re.sub(r"[\s{}$]+", "", s).strip(".").lower()


def choice_letter(s: str) -> str | None:
    """`B`, `(B)`, `\\text{(B)}`, `\\textbf{B}`: the letter; otherwise None."""
    t = _TEXT_ANY.sub(r"\1", s).strip()
    m = re.fullmatch(r"\(?\s*([A-J])\s*\)?[.:]?", t)
    return m.group(1) if m else None
