"""Yes/no answers: the polarity of a reference or an answer that says yes or no, in a word or a sentence.

Olympiad golds are often sentences ("There does not exist such a field.", "Yes, there is a subset X ...")
where the answer is "No" or "Yes". A text has a polarity when it starts with the word yes or no (`No, ...`,
`\\text{Yes}`), or is an existence statement that states no number (`there exists ...`, `there is no ...`,
`no such ... exists`, `... does not exist`). Anything else, or a text that says both (`yes or no`,
`yes, ... does not exist`), has none, and the answer is then compared as usual.
"""

from __future__ import annotations

import re
from typing import Literal

Polarity = Literal["yes", "no"]

_TEX = re.compile(r"\\(?:text|textbf|mathrm|mbox|emph)\s*\{([^{}]*)\}|\\[,;!: ]|[$*]")
_LEADING = re.compile(r"^\W*(yes|no)\b(?!\s+(?:such|one|more|less|other|longer|solution|\w+s\b))", re.I)
_NEGATIVE = re.compile(
    r"^\W*(?:there\s+(?:(?:does|do|did|can|could|will)\s*(?:not|n't)\s+(?:\w+\s+){0,2}?(?:exist|be)|"
    r"(?:exists?|is|are)\s+no\b|(?:is|are)\s+not\s+(?:any|a|an)\b)"
    r"|no\s+such\b|(?:such\s+)?(?:(?:an?|the)\s+)?(?:[\w\\(){}]+\s+){0,2}?(?:does|do)\s*(?:not|n't)\s+exist\b"
    r"|it\s+is\s+(?:not\s+possible|impossible)\b)",
    re.I,
)
_POSITIVE = re.compile(
    r"^\W*(?:there\s+(?:exists?|does\s+exist)\s+(?!no\b|not\b)|it\s+is\s+possible\b)", re.I
)
_VALUE = re.compile(r"\d|\\(?:frac|sqrt|pi)\b")  # "there exist 5 ..." states a count, not a yes
_BOTH = re.compile(r"\byes\b.*\bno\b|\bno\b.*\byes\b", re.I | re.S)
_DENIAL = re.compile(r"\b(?:not|n't|no\s+such|impossible|never)\b", re.I)


def polarity(text: str) -> Polarity | None:
    """`yes`, `no`, or None when the text is not a yes/no answer (or says both)."""
    plain = _TEX.sub(lambda m: m.group(1) or " ", text[:2000]).strip()
    if not plain or _BOTH.search(plain):
        return None
    lead = _LEADING.match(plain)
    if lead is not None:
        word = lead.group(1).lower()
        rest = plain[lead.end() :]
        # `Yes, ... does not exist` contradicts itself; `No, there does not exist ...` agrees with itself.
        if word == "yes" and _NEGATIVE.match(rest.lstrip(" ,.;:")):
            return None
        if word == "no" and _POSITIVE.match(rest.lstrip(" ,.;:")):
            return None
        return "yes" if word == "yes" else "no"
    if _NEGATIVE.match(plain):
        return "no"
    if _POSITIVE.match(plain) and not _DENIAL.search(plain) and not _VALUE.search(plain):
        return "yes"
    return None
