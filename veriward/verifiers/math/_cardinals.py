"""Numbers written as words in an answer span: "the answer is **five integers**", "Answer: twenty-one".

Read inside an answer span (after an answer phrase, in bold) that holds no math, so that "5 or six" offers
two values and "**five integers**" states one, and in the sentences after an answer, for other values
offered ("Or maybe six."). After a determiner no word is a value ("the nine numbers", "no two adjacent
ones"); "one" is not one after "a" or "only" or before "of", "another", "that", ... ("the only one",
"one of them"); a capitalised word is one only where it opens the span ("Case Two" is a name). The words
become digits padded to the same length, so offsets into the span (and the claim read around the value)
stay as they were.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_UNITS = re.split(
    r"\s+",
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen",
)
_TENS = re.split(r"\s+", "twenty thirty forty fifty sixty seventy eighty ninety")
_VALUE = {w: i for i, w in enumerate(_UNITS)} | {w: 10 * (i + 2) for i, w in enumerate(_TENS)}
_WORD = re.compile(
    rf"(?<![\w-])(?:(?P<tens>{'|'.join(_TENS)})(?:[\s-]+(?P<unit>{'|'.join(_UNITS[1:10])}))?"
    rf"|(?P<alone>{'|'.join(_UNITS)}))(?![\w-])",
    re.I,
)
# After a determiner a number word describes ("the nine numbers", "no two adjacent ones"), states nothing.
_DESCRIBES = re.compile(
    r"\b(?:the|these|those|this|that|all|both|each|every|any|no|which|what|some|its|their|our|his|her|such"
    r"|first|last|other)\s+$",
    re.I,
)
_DETERMINER = re.compile(r"\b(?:a|an|another|only|single)\s+$", re.I)
_PRONOUN_AFTER = re.compile(
    r"^\s*(?:of|another|that|which|who|whose|where|such|other|side|hand|way|can|could|may|might|must|"
    r"should|would|will|is|was|has|had|does|did|'s)\b",
    re.I,
)
_MATH = re.compile(r"\$|\\[(\[]|\\boxed")


class Spelled(NamedTuple):
    """A span with its number words as digits (left-aligned, padded with spaces), and where the words were."""

    text: str
    words: list[tuple[int, int]]

    def end_of(self, end: int) -> int:
        """An end offset in `text` as one in the original span: a number word's end, not its digits'."""
        return next((b for a, b in self.words if a < end <= b), end)


def spelled(seg: str, *, beside_math: bool = False) -> Spelled | None:
    """`seg` with its number words as digits at the same offsets; None when it holds no number word, or
    math (unless `beside_math`: the sentences after an answer, read for other values offered, where the
    digits are not padded, since no offset in them is mapped back)."""
    if not beside_math and _MATH.search(seg):
        return None
    out, words, pos = [], [], 0
    for m in _WORD.finditer(seg):
        if _DESCRIBES.search(seg[: m.start()]) or (
            (m.group("alone") or "").lower() == "one" and _pronoun(seg, m)
        ):
            continue
        if m.group(0)[0].isupper() and seg[: m.start()].strip(" *:"):
            continue  # a title-case heading ("**Over Two Days:**", "Case Two"), not a value
        value = _VALUE[(m.group("tens") or m.group("alone")).lower()]
        if m.group("unit"):
            value += _VALUE[m.group("unit").lower()]
        digits = str(value)
        pad = "" if beside_math else " " * (m.end() - m.start() - len(digits))
        out.append(seg[pos : m.start()] + digits + pad)
        words.append((m.start(), m.end()))
        pos = m.end()
    return Spelled("".join(out) + seg[pos:], words) if words else None


def _pronoun(seg: str, m: re.Match[str]) -> bool:
    return bool(_DETERMINER.search(seg[: m.start()]) or _PRONOUN_AFTER.match(seg[m.end() :]))
