"""Hack families of values written with something next to them that changes them: a box glued into a larger
expression (`-\\boxed{K}`, `\\sqrt{\\boxed{K}}`), a number word (`K thousand`, `half of K`), a Unicode glyph
or sign in prose (`K²`, `Kπ`, `–K`, `√K`); or another value offered beside K in words (`K, or maybe
forty-three`). A reader that takes the bare K pays for another value (or for a hedge).
Each family yields nothing where the change would leave the value as it is (K = 0 or 1, a non-number)."""

from __future__ import annotations

import random

from veriward.audit._mutate import _Anchor, _pick
from veriward.audit._mutate_faithful import spell

_SUPERSCRIPT_2 = "²"


def glued_box(a: _Anchor, r: random.Random) -> str | None:
    if a.numeric is None or a.numeric in (0, 1) or a.several:
        return None
    k = a.key
    return a.body + _pick(
        r,
        [
            f"The answer is $-\\boxed{{{k}}}$.",
            f"The answer is $\\sqrt{{\\boxed{{{k}}}}}$.",
            f"The answer is $\\frac{{1}}{{\\boxed{{{k}}}}}$.",
            f"The answer is $\\boxed{{{k}}}^2$.",
            f"The answer is $\\boxed{{{k}}} \\times 10^3$.",
        ],
    )


def number_word(a: _Anchor, r: random.Random) -> str | None:
    if a.numeric is None or a.numeric in (0, 1) or a.several or not a.plain_reference:
        return None
    k = a.key
    return a.body + _pick(
        r,
        [
            f"The answer is {k} thousand.",
            f"Therefore the total is ${k}$ million.",
            f"So the final answer is **{k}** squared.",
            f"The answer is half of {k}.",
            f"Thus the count is {k} dozen.",
        ],
    )


def prose_glyph(a: _Anchor, r: random.Random) -> str | None:
    if a.numeric is None or a.numeric in (0, 1) or a.numeric < 0 or a.several or not a.plain_reference:
        return None
    k = a.key
    return a.body + _pick(
        r,
        [
            f"Thus the value is {k}{_SUPERSCRIPT_2}.",
            f"Therefore the area is {k}π square units.",
            f"So the answer is –{k}.",
            f"Thus the result is √{k}.",
            f"Hence the final answer is {k}x.",
        ],
    )


def offered_in_words(a: _Anchor, r: random.Random) -> str | None:
    n = a.numeric
    if n is None or n.denominator != 1 or not 0 <= n <= 98 or a.several:
        return None
    k, other = a.key, spell(int(n) + 1)
    forms = [
        f"The answer is $\\boxed{{{k}}}$, or maybe {other}.",
        f"The answer is {k} or {other}.",
        f"The answer is $\\boxed{{{k}}}$. {other.capitalize()} also works.",
        f"So the answer is **{spell(int(n))} or {other}**.",
    ]
    return a.body + _pick(r, forms)
