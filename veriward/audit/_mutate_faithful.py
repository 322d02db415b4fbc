"""Faithful rewrites for `veriward audit --mutate`: the same right answer, stated another way.

A scorer that drops any of these throws away learning signal (a false negative): bold labels, `\\text{}`,
`\\dfrac`, spacing, thousands separators, equivalent forms, a unit added, end-of-turn markers after, a
small whole number spelled out in words.
"""

from __future__ import annotations

import random
import re

from veriward.audit._mutate import _END_MARKERS, _Anchor, _fmt, _pick


def bold_label(a: _Anchor, r: random.Random) -> str:
    k = a.key
    return a.body + _pick(
        r,
        [
            f"**Answer:** ${k}$",
            f"**Final Answer:** ${k}$",
            f"**Final Answer**\n\n$\\boxed{{{k}}}$",
            f"The answer is **${k}$**.",
            f"**Answer: ${k}$**",
            f"## Final Answer\n$\\boxed{{{k}}}$",
        ],
    )


def text_wrap(a: _Anchor, r: random.Random) -> str:
    if not re.search(r"[\d\\^_{}()=+\-*/]", a.key):
        return a.body + f"The final answer is $\\boxed{{\\text{{{a.key}}}}}$."
    return a.body + f"$\\boxed{{\\text{{The answer is }} {a.key}}}$"


def dfrac(a: _Anchor, r: random.Random) -> str | None:
    if "\\frac" not in a.key:
        return None
    key = a.key.replace("\\frac", r.choice(["\\dfrac", "\\tfrac"]))
    return a.body + f"The answer is $\\boxed{{{key}}}$."


def spacing(a: _Anchor, r: random.Random) -> str:
    spaced = re.sub(r"\s*([+=<>])\s*", r" \1 ", a.key)
    spaced = re.sub(r",\s*(?!\d{3}(?!\d))", ", ", spaced)  # not inside `129,200`
    spaced = _pick(
        r, [f" {spaced} ", spaced.replace(", ", ",\\ "), f"\\, {spaced}\\,", f"\\displaystyle {spaced}"]
    )
    return a.body + f"Therefore, the answer is $\\boxed{{{spaced}}}$."


def thousands(a: _Anchor, r: random.Random) -> str | None:
    if a.numeric is None or a.numeric.denominator != 1 or abs(a.numeric) < 1000:
        return None
    digits = f"{abs(a.numeric.numerator):,}"
    sep = r.choice([",", "{,}", "\\,"])
    sign = "-" if a.numeric < 0 else ""
    return a.body + f"The answer is $\\boxed{{{sign}{digits.replace(',', sep)}}}$."


def equivalent(a: _Anchor, r: random.Random) -> str | None:
    if a.numeric is None:
        return None
    x = a.numeric
    if x.denominator == 1:
        forms = [f"\\frac{{{2 * x.numerator}}}{{2}}", f"{x.numerator}.0", f"{x.numerator} + 0"]
    else:
        forms = [f"\\frac{{{x.numerator}}}{{{x.denominator}}}", f"{x.numerator}/{x.denominator}"]
        decimal = _fmt(x)
        if "frac" not in decimal:
            forms.append(decimal)
        forms = [f for f in forms if f.replace(" ", "") != a.key.replace(" ", "")] or forms
    return a.body + f"The answer is $\\boxed{{{r.choice(forms)}}}$."


def unit_added(a: _Anchor, r: random.Random) -> str | None:
    if a.numeric is None or not a.plain_reference:
        return None  # only where the reference has no unit of its own
    unit = r.choice(["\\text{ cm}", " \\text{ units}", "\\text{ square units}", " meters", "\\,\\text{kg}"])
    return a.body + f"The answer is $\\boxed{{{a.key}{unit}}}$."


def end_marker(a: _Anchor, r: random.Random) -> str:
    return a.body + f"The final answer is $\\boxed{{{a.key}}}$.{r.choice(_END_MARKERS)}"


_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
          "nineteen"]  # fmt: skip
_DECADES = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spell(n: int) -> str:
    """0 <= n <= 99 in words (`42` -> `forty-two`)."""
    return _SMALL[n] if n < 20 else _DECADES[n // 10] + (f"-{_SMALL[n % 10]}" if n % 10 else "")


def spelled_number(a: _Anchor, r: random.Random) -> str | None:
    n = a.numeric
    if n is None or n.denominator != 1 or not 0 <= n <= 99 or not a.plain_reference or a.several:
        return None
    word = spell(int(n))
    forms = [f"The answer is {word}.", f"**Final Answer:** {word}", f"So the answer is **{word}**."]
    return a.body + _pick(r, [*forms, f"Answer: {word.replace('-', ' ')}"])
