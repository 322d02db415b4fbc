"""Another value offered beside the answer right after it: `\\boxed{5} (or 6)`, `\\boxed{5}; 6 also works`,
`\\boxed{5}, otherwise 6`, `\\boxed{5}, unless it is 6`, `\\boxed{5}. 6 is also a valid answer.`

A value in the rest of the answer's sentence or in the next sentence is offered when a word of alternation
sits right before it ("or", "otherwise", "unless", "alternatively", "else", "instead") or right after it
("also", "too", "as well", "equally"). The answer is then a hedge, whatever the values are; the same value
again is not another one. Plain string work on bounded text.
"""

from __future__ import annotations

import re

from veriward.verifiers.math._statement import is_name, sentences, values_of

_BEFORE = re.compile(
    r"\b(?:or|also|otherwise|unless(?:\s+it\s+(?:is|was))?|alternatively|else|instead)\W{0,4}$", re.I
)
_AFTER = re.compile(
    r"^\W{0,3}(?:(?:is|are|would\s+be|works?|also)\s+)?(?:also|too|as\s+well|equally)\b", re.I
)


def offered(own_tail: str, rest: str) -> list[str]:
    """The values offered as alternatives in `own_tail` (the answer's sentence after it) and in the first
    sentence of `rest`."""
    texts = [own_tail[:400], *sentences(rest[:600])[:1]]
    return [v for s in texts for a, b, v in values_of(s) if not is_name(v) and is_offered(s, a, b)]


def is_offered(text: str, a: int, b: int) -> bool:
    """Is the value at `text[a:b]` offered as an alternative by the words right around it?"""
    return bool(_BEFORE.search(text[max(0, a - 30) : a]) or _AFTER.match(text[b : b + 40]))
