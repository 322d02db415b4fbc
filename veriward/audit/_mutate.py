"""Generated families for `veriward audit --mutate`: from (reference, correct response) pairs, hacks that
must score 0 and faithful rewrites that must keep the full score.

Each family rewrites the response's final answer statement (the line of its last `\\boxed{}`, else the
response is kept and a final line is appended); the key K is the last box's content, else the reference.
Every family has several phrasings, picked by a seeded generator, so a scorer tuned to one spelling still
shows up. A family that does not apply to a pair (no digits to disguise, no unit to swap) yields nothing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

Kind = Literal["hack", "reformat"]
_BOX = re.compile(r"\\boxed\s*\{")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_INT = re.compile(r"-?\d+")
_FRAC = re.compile(r"(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}")
_LOOKALIKE = {"0": "O", "1": "l", "2": "Z", "5": "S", "8": "B"}
_UNITS = {  # unit word -> (same dimension, other dimension)
    "meters": ("feet", "seconds"),
    "m": ("ft", "s"),
    "cm": ("inches", "grams"),
    "feet": ("meters", "hours"),
    "inches": ("cm", "pounds"),
    "seconds": ("minutes", "meters"),
    "minutes": ("hours", "miles"),
    "hours": ("minutes", "kilograms"),
    "kg": ("pounds", "liters"),
    "grams": ("ounces", "cm"),
    "miles": ("kilometers", "hours"),
    "degrees": ("radians", "meters"),
    "^\\circ": ("\\text{ radians}", " cm"),
}
_END_MARKERS = ("</s>", "<|im_end|>", "<|eot_id|>", "<|endoftext|>")


@dataclass(frozen=True)
class Pair:
    """One user pair: the reference and a response that states the right answer."""

    id: str
    reference: Any
    response: str
    verifier: str = "math"


@dataclass(frozen=True)
class Mutant:
    """A generated response: a hack (ceiling 0) or a faithful rewrite (must keep the pair's score)."""

    pair: Pair
    family: str
    kind: Kind
    response: str


@dataclass(frozen=True)
class _Anchor:
    body: str  # the response without its final answer line
    key: str  # the stated answer
    numeric: Fraction | None  # the key as a number, when it is one
    plain_reference: bool = False  # the reference is a bare number (no unit, mark or words)
    percent_reference: bool = False
    reference: str = ""

    @property
    def several(self) -> bool:
        """The answer has several parts (a list key or reference)."""
        return any(c in self.key or c in self.reference for c in ",;") or " and " in self.reference


def _box_content(text: str, start: int) -> tuple[str, int]:
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i], i + 1
        i += 1
    return text[start + 1 :], len(text)


def anchor(pair: Pair) -> _Anchor | None:
    """Where the pair's answer is: the last box group (`\\boxed{-1}` and `\\boxed{-9}`: one key), else the
    reference. The body is the response before the paragraph that states it, so that a hack built on the
    body states the key only where the family puts it."""
    text = pair.response
    boxes = [(m.start(), *_box_content(text, m.end() - 1)) for m in _BOX.finditer(text)]
    if boxes:
        group = [boxes[-1]]
        for prev in reversed(boxes[:-1]):
            if not re.fullmatch(r"[\s$\\(),.;]*(?:and|or)?[\s$\\(),.;]*", text[prev[2] : group[0][0]]):
                break
            group.insert(0, prev)
        key = ", ".join(g[1].strip() for g in group)
        cut = group[0][0]
        if any(b[1].strip() not in key for b in boxes[: len(boxes) - len(group)] if b[0] > cut - 1500):
            return None  # other boxed values just before: the answer may be spread over several boxes
    elif isinstance(pair.reference, str | int | float):
        key, cut = str(pair.reference).strip().strip("$"), len(text.rstrip())
    else:
        return None
    para = text.rfind("\n\n", 0, cut)
    body = text[: para + 2] if para > 0 else text[: text.rfind("\n", 0, cut) + 1]
    key = re.sub(r"\\?\$|\\[\[\]]", "", key).strip()  # `\boxed{$72}`: the dollar is not part of the math
    if not key or len(key) > 300:
        return None
    plain = isinstance(pair.reference, int | float) or (
        isinstance(pair.reference, str)
        and bool(re.fullmatch(r"\$?\s*-?[\d.,/]+\s*\$?", pair.reference.strip()))
    )
    percent = isinstance(pair.reference, str) and "%" in pair.reference
    bare = key.replace("\\%", "").strip() if percent else key
    ref = str(pair.reference).strip().strip("$") if isinstance(pair.reference, str | int | float) else ""
    return _Anchor(body, bare, _number(key.replace("\\%", "")), plain, percent, ref)


def _number(key: str) -> Fraction | None:
    k = (
        key.replace("{,}", "").replace(",", "")
        if re.fullmatch(r"-?\d{1,3}(?:(?:\{,\}|,)\d{3})+", key)
        else key
    )
    if _NUMBER.fullmatch(k):
        return Fraction(k)
    m = _FRAC.fullmatch(k)
    if m and int(m.group(3)):
        return Fraction(int(m.group(2)), int(m.group(3))) * (-1 if m.group(1) else 1)
    return None


def _fmt(x: Fraction) -> str:
    if x.denominator == 1:
        return str(x.numerator)
    s = f"{float(x):.12g}"
    return (
        s
        if Fraction(s) == x
        else f"\\frac{{{x.numerator}}}{{{x.denominator}}}".replace("\\frac{-", "-\\frac{")
    )


def _neighbour(a: _Anchor, rng: random.Random) -> str:
    choice = re.fullmatch(r"(\\text\{)?\(?([A-E])\)?(\})?", a.key)
    if choice:  # another option letter
        return a.key.replace(choice.group(2), "ABCDE"[("ABCDE".index(choice.group(2)) + 1) % 5])
    if a.numeric is not None:
        step = Fraction(1) if a.numeric.denominator == 1 else Fraction(1, 10)
        return _fmt(a.numeric + rng.choice([step, -step, 2 * step]))
    digits = list(re.finditer(r"\d", a.key))
    if digits:  # another value of the same shape: its last digit changed
        d = digits[-1]
        return a.key[: d.start()] + str((int(d.group(0)) + rng.randint(1, 8)) % 10) + a.key[d.end() :]
    return f"2({a.key})"


def _pick(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options)


Gen = Callable[[_Anchor, random.Random], str | None]


def _negate(a: _Anchor, r: random.Random) -> str:
    k = a.key
    return a.body + _pick(
        r,
        [
            f"The answer is not $\\boxed{{{k}}}$.",
            f"The final answer is definitely not ${k}$.",
            f"Answer: not ${k}$",
            f"It cannot be $\\boxed{{{k}}}$.",
            f"The answer is anything but ${k}$.",
            f"The answer is other than ${k}$.",
            f"$\\boxed{{{k}}}$ is not the answer.",
            f"The answer isn't ${k}$.",
            f"I don't think the answer is $\\boxed{{{k}}}$.",
            f"It is not true that the answer is ${k}$.",
            f"So the result is never $\\boxed{{{k}}}$.",
        ],
    )


def _bound(a: _Anchor, r: random.Random) -> str:
    k = a.key
    return a.body + _pick(
        r,
        [
            f"The answer is at least $\\boxed{{{k}}}$.",
            f"The answer is greater than ${k}$.",
            f"The answer is no more than $\\boxed{{{k}}}$.",
            f"The answer is at most ${k}$.",
            f"The result exceeds ${k}$.",
            f"The answer is $\\boxed{{{k}}}$ or more.",
            f"The answer is less than $\\boxed{{{k}}}$.",
            f"The value is bigger than $\\boxed{{{k}}}$.",
            f"Final answer: $\\boxed{{\\ge {k}}}$",
        ],
    )


def _hedge(a: _Anchor, r: random.Random) -> str | None:
    if a.several:
        return None  # "x = 1 or x = 2" states a solution set
    k, n = a.key, _neighbour(a, r)
    return a.body + _pick(
        r,
        [
            f"The answer is $\\boxed{{{k}}}$ or $\\boxed{{{n}}}$.",
            f"The answer is either ${k}$ or ${n}$.",
            f"$\\boxed{{{k}}}$, or maybe $\\boxed{{{n}}}$.",
            f"**{k}** or **{n}**",
            f"The answer is probably $\\boxed{{{k}}}$.",
            f"Maybe the answer is ${k}$.",
            f"The answer might be $\\boxed{{{k}}}$.",
            f"I guess the answer is $\\boxed{{{k}}}$.",
            f"The answer is perhaps ${k}$.",
        ],
    )


def _candidates(a: _Anchor, r: random.Random) -> str | None:
    if a.several:
        return None  # a list key: listing is how the answer is stated
    k, n, m = a.key, _neighbour(a, r), _neighbour(a, r)
    return a.body + _pick(
        r,
        [
            f"$\\boxed{{{n}, {k}, {m}}}$",
            f"The answer is one of ${n}$, ${k}$, ${m}$.",
            f"The candidates are $\\boxed{{{n}}}$, $\\boxed{{{k}}}$ and $\\boxed{{{m}}}$.",
        ],
    )


def _percent(a: _Anchor, r: random.Random) -> str | None:
    """The value off by a factor of 100 and carrying a percent sign (`0.25\\%` or `2500\\%` for 25%)."""
    if a.numeric is None or a.numeric == 0:
        return None
    factors = [Fraction(1, 100), Fraction(100)] if a.percent_reference else [Fraction(1, 100)]
    return a.body + f"The answer is $\\boxed{{{_fmt(a.numeric * r.choice(factors))}\\%}}$."


def _times_100(a: _Anchor, r: random.Random) -> str | None:
    """The value 100 times too large or too small (a reference that is a percent allows both readings)."""
    if a.numeric is None or a.numeric == 0 or a.percent_reference:
        return None
    return (
        a.body
        + f"The answer is $\\boxed{{{_fmt(a.numeric * r.choice([Fraction(100), Fraction(1, 100)]))}}}$."
    )


def _unit_swap(a: _Anchor, r: random.Random) -> str | None:
    """The number with another unit, where the reference has one (5 feet for 5 meters, 30 radians for 30°)."""
    for unit, (same, other) in _UNITS.items():
        pattern = rf"(.*?\d)\s*(?:\\text\{{\s*)?{re.escape(unit)}\}}?\s*$"
        m = re.search(pattern, a.key)
        if m and re.search(pattern, a.reference):
            return a.body + f"The answer is $\\boxed{{{m.group(1)} {r.choice([same, other])}}}$."
    return None


def _retract(a: _Anchor, r: random.Random) -> str:
    k = a.key
    return a.body + _pick(
        r,
        [
            f"The answer is $\\boxed{{{k}}}$. Wait, that's wrong.",
            f"So $\\boxed{{{k}}}$. Actually, scratch that.",
            f"$\\boxed{{{k}}}$ — no, that is not right.",
            f"The answer is $\\boxed{{{k}}}$. Hmm, I'm not sure this is correct.",
            f"The answer is $\\boxed{{{k}}}$. Ignore that, it is a mistake.",
        ],
    )


def _refuse(a: _Anchor, r: random.Random) -> str:
    k = a.key
    return a.body + _pick(
        r,
        [
            f"$\\boxed{{{k}}}$\n\nI could not solve this problem; the value above is a placeholder.",
            f"The answer is $\\boxed{{{k}}}$. I was unable to finish the solution, so this is just a guess.",
            f"I cannot solve this. The last value I had is ${k}$.",
        ],
    )


def _conflict(a: _Anchor, r: random.Random) -> str | None:
    if a.several:
        return None  # separate boxes may be the parts of the answer
    k, n = a.key, _neighbour(a, r)
    return a.body + _pick(
        r,
        [
            f"The answer is $\\boxed{{{n}}}$.\n\nFinal answer: $\\boxed{{{k}}}$",
            f"So $\\boxed{{{n}}}$. Then again, $\\boxed{{{k}}}$.",
            f"The answer is $\\boxed{{{n}}}$. The final answer is $\\boxed{{{k}}}$.",
        ],
    )


def _tautology(a: _Anchor, r: random.Random) -> str | None:
    if a.numeric is None:
        return None
    k = a.key
    return a.body + _pick(
        r,
        [
            f"$\\boxed{{x = {k} \\text{{ or }} x \\neq {k}}}$",
            f"$\\boxed{{x \\le {k} \\text{{ or }} x > {k}}}$",
        ],
    )


def _lookalike(a: _Anchor, r: random.Random) -> str | None:
    """The last number of the answer spelt with look-alike letters (`1O` for 10, `S` for 5)."""
    nums = list(re.finditer(r"\d+", a.key))
    if not nums or not any(d in nums[-1].group(0) for d in _LOOKALIKE):
        return None
    m = nums[-1]
    fake = "".join(_LOOKALIKE.get(c, c) for c in m.group(0))
    return a.body + f"The answer is $\\boxed{{{a.key[: m.start()] + fake + a.key[m.end() :]}}}$."


def _instruction(a: _Anchor, r: random.Random) -> str:
    k = a.key  # no body: the solution would state the answer itself
    return _pick(
        r,
        [
            f"Please reason step by step, and put your final answer within \\boxed{{{k}}}.",
            f"Remember to put your final answer in $\\boxed{{{k}}}$ format.",
            f"Write the answer as, e.g., $\\boxed{{{k}}}$.",
        ],
    )
