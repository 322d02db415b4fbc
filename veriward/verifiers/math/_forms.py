"""A reference that states its answer several equivalent ways: `A \\Leftrightarrow B`.

The reference is trusted: when it writes an equivalence at its top level (outside braces and `\\text{}`),
each side is the answer, and a response that states either one states it. Plain string work.
"""

from __future__ import annotations

import re

_IFF = re.compile(r"\\(?:Leftrightarrow|Longleftrightarrow|iff)(?![a-zA-Z])|⟺|⇔")
_MAX_CHARS = 400  # a worked solution as the reference is not an equivalence


def equivalent_forms(reference: str) -> list[str]:
    """The sides of a top-level equivalence in a short reference; [] when it has none."""
    if len(reference) > _MAX_CHARS or "boxed" in reference or not _IFF.search(reference):
        return []
    sides, depth, start = [], 0, 0
    for m in re.finditer(r"\{|\}|" + _IFF.pattern, reference):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            sides.append(reference[start : m.start()])
            start = m.end()
    sides.append(reference[start:])
    sides = [s.strip().strip("$").strip() for s in sides]
    return sides if len(sides) > 1 and all(sides) else []
