"""A response that ends in a list of results under a lead-in: "Summary of Solutions:" then bullet lines,
each one value (`- \\( d(6) = \\frac{1}{3} \\)`, `- (b) 7`). The values, in order, are the answer's parts.

Strict, so that a list of steps is not read as results: every line after the lead-in is a bullet, there are
at least two, each holds exactly one math segment or number (after an optional short label) and nothing
that qualifies it; of an equation the last side is the value. Plain string work on bounded text.
"""

from __future__ import annotations

import re

from veriward.verifiers.math._statement import MATH, NOT_INERT, Statement, math_inner

_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|\(?[a-z]\))\s+(.{1,300})$")
_LEAD = re.compile(r":\s*(?:\*\*)?\s*$")
_LABEL = re.compile(
    r"^(?:\*\*)?(?:\(?[a-z0-9]{1,4}\)|[^$\\:=\n]{1,40}[:=])?(?:\*\*)?\s*", re.I
)  # `(b)`, `Part 2:`
_NUMBER = re.compile(r"[-−]?\d+(?:[.,]\d+)?(?:\s*/\s*\d+)?")
_MAX_ITEMS = 10


def summary_list(text: str) -> Statement | None:
    """The values of a final bullet list under a line ending in ':', or None."""
    lines = [line for line in text.rstrip().splitlines()[-(_MAX_ITEMS + 4) :] if line.strip()]
    items: list[str] = []
    while lines and (m := _BULLET.match(lines[-1])):
        items.insert(0, m.group(1))
        lines.pop()
    if not 2 <= len(items) <= _MAX_ITEMS or not lines or not _LEAD.search(lines[-1]):
        return None
    values = [_item_value(item) for item in items]
    if any(v is None for v in values):
        return None
    return Statement([v for v in values if v is not None], lines[-1] + " ", "")


def _item_value(item: str) -> str | None:
    item = item.strip().rstrip(".,;")
    if NOT_INERT.search(item):
        return None
    maths = list(MATH.finditer(item))
    if len(maths) == 1 and not item[maths[0].end() :].strip(" *"):
        inner = math_inner(maths[0]).strip()
        return inner.rsplit("=", 1)[-1].strip() if "=" in inner else inner
    if maths:
        return None
    label = _LABEL.match(item)
    rest = item[label.end() :] if label else item
    return rest.strip(" *") if _NUMBER.fullmatch(rest.strip(" *")) else None
