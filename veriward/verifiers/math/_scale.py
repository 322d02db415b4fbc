"""Number words that change the value next to them: `42 thousand`, `5 squared`, `3 dozen`, `half of 42`.

They were once dropped as unit words, so "The answer is 42 thousand." scored 1.0 against 42 (and 0 against
42000). `fold` takes such a word next to an extracted one-part answer into it; `rewrite` turns the words
into the LaTeX the parser reads (`42 thousand` -> `42 \\cdot 1000`). Plain string work on bounded text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from veriward.verifiers.math._extract import Extraction
    from veriward.verifiers.math._statement import Statement

_SCALES = {
    "thousand": "1000", "million": "10^{6}", "billion": "10^{9}", "trillion": "10^{12}", "hundred": "100",
    "dozen": "12",
}  # fmt: skip
_PARTS = {"tenths": "10", "hundredths": "100", "thousandths": "1000", "millionths": "10^{6}"}
_POWERS = {"squared": "^{2}", "cubed": "^{3}", "factorial": "!"}
_PART_OF = {"half": 2, "quarter": 4}
_TIMES = {"half": "\\frac{1}{2}", "twice": "2", "double": "2", "triple": "3", "thrice": "3"}
_AFTER_WORDS = "|".join([*_SCALES, *_PARTS, *_POWERS])
# A word right after the value (past closing marks: `$42$ thousand`, `**42** thousand`, `\boxed{5} squared`).
_AFTER = re.compile(rf"^((?:\s|\$|\*\*|\\\)|\\\])*)\b({_AFTER_WORDS})\b", re.I)
_BEFORE = re.compile(r"\b(half|twice|double|triple|thrice)(\s+of)?((?:\s|\$|\*\*|\\\(|\\boxed\{)*)$", re.I)
_NUMBER = r"[-−]?\d+(?:[.,]\d+)?"
_REWRITE_AFTER = re.compile(rf"({_NUMBER})\s*\b({_AFTER_WORDS})\b", re.I)
_OUT_OF_VALUE = re.compile(rf"({_NUMBER})\s+out\s+of\s+(\d+)\b", re.I)
_AND_A_VALUE = re.compile(rf"({_NUMBER})\s+and\s+a\s+(half|quarter)\b", re.I)
_REPEATING_VALUE = re.compile(r"(\d+)\.(\d+)\s+(?:repeating|recurring)\b", re.I)
_ANY_WORD = re.compile(
    rf"\b(?:{_AFTER_WORDS}|half|quarter|twice|double|triple|thrice|out\s+of|repeating|recurring)\b", re.I
)
_REWRITE_BEFORE = re.compile(rf"\b(half|twice|double|triple|thrice)(?:\s+of)?\s+({_NUMBER})\b", re.I)


# Words right after the value that relate it to another number (`3 to 4`, `1 in 6`, `5 times 4`, `5 more
# than y`, `2 plus 3`, `5 to the 3rd`): the value is part of an expression, taken in whole so that it is
# read as one (or not at all), never as its first number.
_RELATING = re.compile(
    r"^\s+(?:to\s+the|(?:more|less|fewer)\s+than|to|in|by|times|plus|minus|and\s+(?!a\s+(?:half|quarter)\b)an?\b)"
    r"\s+(?:[-−]?\d[\d.,]*|[A-Za-z]\b|power\b|\w+(?:st|nd|rd|th)\b)[^\s.,;:!?]*",
    re.I,
)
_AND_A = re.compile(r"^\s+and\s+a\s+(half|quarter)\b", re.I)
_OUT_OF = re.compile(r"^\s+out\s+of\s+(\d+)\b", re.I)
_REPEATING = re.compile(r"^\s+(?:repeating|recurring)\b", re.I)


def fold(found: Extraction) -> Extraction:
    """The answer with a value-changing word next to it taken in (`42` + ` thousand` -> `42 thousand`), and
    so each later answer statement."""
    later = [replace(st, parts=p, before=b, after=a) for st in found.later for p, b, a in [fold_parts(st)]]
    if found.source in ("whole", "math", "number"):
        return replace(found, later=later)
    parts, before, after = fold_parts(found)
    return replace(found, parts=parts, before=before, after=after, later=later)


def fold_parts(found: Extraction | Statement) -> tuple[list[str], str, str]:
    """The parts, before and after of an extraction or a statement with the words next to it taken in."""
    if len(found.parts) != 1:
        return found.parts, found.before, found.after
    part, before, after = found.parts[0], found.before, found.after
    m = _AFTER.match(after[:80])
    if m:
        part, after = f"{part} {m.group(2)}", after[m.end() :]
    elif _plain(part) and (r := _after_words(part.strip(), after[:80])) is not None:
        part, after = r[0], after[r[1] :]
    b = _BEFORE.search(before[-80:])
    if b:
        part, before = f"{b.group(1)} {part}", before[: len(before) - len(b.group(0))]
    return [part], before, after


def _plain(part: str) -> bool:
    return re.fullmatch(r"\s*[-−]?\d+(?:\.\d+)?\s*", part) is not None


def _after_words(n: str, after: str) -> tuple[str, int] | None:
    """A plain number's part with the words after it that make it another value (`42 and a half`,
    `3 out of 4`, `0.3 repeating`, `3 to 4`), and how much of `after` they take."""
    for pattern in (_AND_A, _OUT_OF, _REPEATING, _RELATING):
        if (m := pattern.match(after)) and (pattern is not _REPEATING or "." in n):
            return f"{n}{m.group(0)}", m.end()
    return None


def rewrite(s: str) -> str:
    """The number words of `s` as LaTeX (`1.5 million` -> `1.5 \\cdot 10^{6}`, `half of 42` -> ...)."""
    if not _ANY_WORD.search(s):
        return s
    s = _OUT_OF_VALUE.sub(r"\\frac{\1}{\2}", s)
    s = _AND_A_VALUE.sub(
        lambda m: f"{m.group(1)} + \\frac{{1}}{{{2 if m.group(2).lower() == 'half' else 4}}}", s
    )
    s = _REPEATING_VALUE.sub(lambda m: repeating_fraction(m.group(1), "", m.group(2)), s)
    s = _REWRITE_AFTER.sub(_after, s)
    return _REWRITE_BEFORE.sub(lambda m: f"{_TIMES[m.group(1).lower()]} \\cdot {m.group(2)}", s)


def repeating_fraction(whole: str, fixed: str, cycle: str) -> str:
    r"""`whole.fixed\overline{cycle}` as the exact fraction it is: (fixed cycle - fixed) / ((10^|cycle| - 1)
    10^|fixed|), plus the whole part."""
    den = (10 ** len(cycle) - 1) * 10 ** len(fixed)
    num = int(fixed + cycle) - int(fixed or "0") + int(whole) * den
    return f"\\frac{{{num}}}{{{den}}}"


def _after(m: re.Match[str]) -> str:
    n, word = m.group(1), m.group(2).lower()
    if word in _SCALES:
        return f"{n} \\cdot {_SCALES[word]}"
    if word in _PARTS:
        return f"\\frac{{{n}}}{{{_PARTS[word]}}}"
    return f"{{{n}}}{_POWERS[word]}"
