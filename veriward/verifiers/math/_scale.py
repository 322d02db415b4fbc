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

_SCALES = {
    "thousand": "1000", "million": "10^{6}", "billion": "10^{9}", "trillion": "10^{12}", "hundred": "100",
    "dozen": "12",
}  # fmt: skip
_PARTS = {"tenths": "10", "hundredths": "100", "thousandths": "1000", "millionths": "10^{6}"}
_POWERS = {"squared": "^{2}", "cubed": "^{3}", "factorial": "!"}
_TIMES = {"half": "\\frac{1}{2}", "twice": "2", "double": "2", "triple": "3", "thrice": "3"}
_AFTER_WORDS = "|".join([*_SCALES, *_PARTS, *_POWERS])
# A word right after the value (past closing marks: `$42$ thousand`, `**42** thousand`, `\boxed{5} squared`).
_AFTER = re.compile(rf"^((?:\s|\$|\*\*|\\\)|\\\])*)\b({_AFTER_WORDS})\b", re.I)
_BEFORE = re.compile(r"\b(half|twice|double|triple|thrice)(\s+of)?((?:\s|\$|\*\*|\\\(|\\boxed\{)*)$", re.I)
_NUMBER = r"[-−]?\d+(?:[.,]\d+)?"
_REWRITE_AFTER = re.compile(rf"({_NUMBER})\s*\b({_AFTER_WORDS})\b", re.I)
_REWRITE_BEFORE = re.compile(rf"\b(half|twice|double|triple|thrice)(?:\s+of)?\s+({_NUMBER})\b", re.I)


def fold(found: Extraction) -> Extraction:
    """The answer with a value-changing word next to it taken in (`42` + ` thousand` -> `42 thousand`)."""
    if len(found.parts) != 1 or found.source in ("whole", "math", "number"):
        return found
    part, before, after = found.parts[0], found.before, found.after
    m = _AFTER.match(after[:80])
    if m:
        part, after = f"{part} {m.group(2)}", after[m.end() :]
    b = _BEFORE.search(before[-80:])
    if b:
        part, before = f"{b.group(1)} {part}", before[: len(before) - len(b.group(0))]
    if part == found.parts[0]:
        return found
    return replace(found, parts=[part], before=before, after=after)


def rewrite(s: str) -> str:
    """The number words of `s` as LaTeX (`1.5 million` -> `1.5 \\cdot 10^{6}`, `half of 42` -> ...)."""
    if not re.search(rf"\b(?:{_AFTER_WORDS}|half|twice|double|triple|thrice)\b", s, re.I):
        return s
    s = _REWRITE_AFTER.sub(_after, s)
    return _REWRITE_BEFORE.sub(lambda m: f"{_TIMES[m.group(1).lower()]} \\cdot {m.group(2)}", s)


def _after(m: re.Match[str]) -> str:
    n, word = m.group(1), m.group(2).lower()
    if word in _SCALES:
        return f"{n} \\cdot {_SCALES[word]}"
    if word in _PARTS:
        return f"\\frac{{{n}}}{{{_PARTS[word]}}}"
    return f"{{{n}}}{_POWERS[word]}"
