"""Claims written in prose, outside math delimiters: `33 classes * 15 students/class = 495 students`,
`25% of 80 = 20`, `Total = 5000 + 10000 = \\boxed{15000}`, `2x + 3 = 7`.

One tokenising pass over the prose (math already blanked), then runs of numbers, operators, unit words and
one-letter variables are cut at anything else. A run is a claim when it has a relation and some arithmetic,
starts with a number, a variable or a parenthesis, and neither side continues into words ("twice 4 = 8",
`f(3) = 7`, "= 8 squared" are skipped: the words are part of the expression).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from veriward.verifiers.prm._latex import Chain, chains_in, label

_LATEX_LIGHT = re.compile(
    r"\\boxed\{([^{}]{0,200})\}|\\frac\{(\d{1,12})\}\{(\d{1,12})\}|\\(?:times|cdot|div|%|\$)"
)
_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)|(?P<word>[A-Za-z]+(?:'[a-z]+)?)"
    r"|(?P<rel><=|>=|!=|≈|=|<|>)|(?P<op>[-+*/^()%$])|(?P<space>[ \t]+)|(?P<other>.)",
    re.S,
)
# Words that are never units ("5 classes a day": "a" ends the run).
_STOP = frozenset(
    "a an the of and or to in on at for from with by per is are was were be been am do does did has have had "  # noqa: SIM905
    "it its he she they we you i this that these those which who what when where why how than then so as "
    "each every all some any no not more less most least many much total left remaining there here also "
    "into onto over under after before between among about around if else but because since thus hence "
    "therefore while until both either neither only just off out up down new old same other again too now "
    "instead exactly altogether overall respectively still already yet even".split()
)
# Words right before a number that make it part of a longer left side ("twice 4 = 8", "the sum of 3
# and 4 = 7"); "of" only after a quantity ("10% of 80 = 8", not "a discount of 20% * 50 = 10").
_LEFT_WORDS = frozenset(
    "by times plus minus over per into from and than divided multiplied with twice double triple thrice "  # noqa: SIM905
    "half quarter third squared cubed root sqrt product sum difference quotient power".split()
)
LEFT_OPEN = re.compile(
    r"(?:(?:[\d%_]|\\%|\bhalf|\bthird|\bquarter|\bpercent|\bfraction|\bproduct|\bsum|\bdifference|\bquotient)\s*of"
    r"|\b(?:times|plus|minus|over|into|than|divided by|multiplied by|twice|squared|cubed))\s*\$?\s*$",
    re.I,
)
_SPOKEN_OPS = {"times": "*", "plus": "+", "minus": "-"}
_NOT_UNITS = {"squared", "cubed", "percent", "times", "plus", "minus", "divided", "multiplied", "over"}
_CONTINUES = _NOT_UNITS
_GLUED = set(")]}|\\_^!'`")  # a run right after one of these continues an expression to its left
_MAX_UNIT_WORDS = 2
_WORD3 = re.compile(r"[A-Za-z]{3,}")
_NAMING = re.compile(r"([A-Za-z][A-Za-z' ]{0,50}?)\s*$")  # the words right before a leading `=`
MAX_RUN = 1000  # tokens in one run of arithmetic


@dataclass
class _Tok:
    kind: str  # num, unit, var, op, rel
    text: str
    start: int
    end: int


def _light(prose: str) -> str:
    """The LaTeX commands models leave in prose, as plain arithmetic of the same length."""

    def sub(m: re.Match[str]) -> str:
        whole = m.group(0)
        if m.group(1) is not None:
            return " " * 7 + m.group(1) + " "
        if m.group(2) is not None:
            inner = f"({m.group(2)})/({m.group(3)})"
            return inner + " " * (len(whole) - len(inner))
        op = {r"\times": "*", r"\cdot": "*", r"\div": "/", r"\%": "%", r"\$": "$"}[whole]
        return op + " " * (len(whole) - 1)

    return _LATEX_LIGHT.sub(sub, prose)


def _singular(word: str) -> str:
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ses", "xes", "zes", "ches", "shes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


class _Scanner:
    def __init__(self, prose: str, context: str) -> None:
        self.context = context  # the step with its math as solid blocks (`_`), for what precedes a claim
        self.toks = [(m.lastgroup or "", m.group(), m.start(), m.end()) for m in _TOKEN.finditer(prose)]
        self.chains: list[Chain] = []

    def _next(self, i: int) -> tuple[str, str]:
        while i < len(self.toks) and self.toks[i][0] == "space":
            i += 1
        return (self.toks[i][0], self.toks[i][1]) if i < len(self.toks) else ("end", "")

    def _money(self, i: int) -> bool:
        """Whether the `$` at or after token i is a currency sign (a number follows it)."""
        while i < len(self.toks) and self.toks[i][0] == "space":
            i += 1
        return i + 1 < len(self.toks) and self.toks[i + 1][0] == "num"

    def scan(self) -> list[Chain]:
        run: list[_Tok] = []
        before: tuple[str, str] = ("start", "")  # the token before the run
        unit_words = 0
        for i, (kind, text, a, b) in enumerate(self.toks):
            if kind == "space":
                continue
            tok = self._classify(kind, text, a, b, run, unit_words, i)
            if tok is None:
                spaced = i > 0 and self.toks[i - 1][0] == "space"
                self._finish(run, before, (kind if not spaced else "spaced", text.lower()))
                run, before, unit_words = [], (kind, text.lower()), 0
                continue
            unit_words = unit_words + 1 if tok.kind == "unit" else 0
            if tok.text:
                run.append(tok)
            if len(run) > MAX_RUN:  # no claim is this long: what was read is marked unread, not dropped
                self.chains.append(
                    Chain("(too long to read)", ["#", "#"], ["="], run[0].start, b, False, False)
                )
                run, before, unit_words = [], ("other", "#"), 0
        self._finish(run, before, ("end", ""))
        return self.chains

    def _classify(
        self, kind: str, text: str, a: int, b: int, run: list[_Tok], unit_words: int, i: int
    ) -> _Tok | None:
        prev = run[-1] if run else None
        after_value = prev is not None and (prev.kind in ("num", "unit") or prev.text in (")", "%"))
        if kind == "num":
            return _Tok("num", text.replace(",", ""), a, b)
        if text == "(" and after_value and self.toks[i - 1][0] == "space":
            return None  # "= 0.20 (20% off)": a remark in parentheses, not a product
        if kind in ("rel", "op"):
            return _Tok(kind, "" if text == "$" else text, a, b)
        if kind != "word":
            return None
        low, nxt = text.lower(), self._next(i + 1)
        before_value = nxt[0] == "num" or nxt[1] == "(" or (nxt[1] == "$" and self._money(i + 1))
        if after_value and before_value and (low == "x" or low in _SPOKEN_OPS):
            return _Tok("op", _SPOKEN_OPS.get(low, "*"), a, b)
        if low == "of" and prev is not None and (prev.text == "%" or _fraction(run)) and before_value:
            return _Tok("op", "*", a, b)
        if low == "per" and after_value:
            return _Tok("op", "/", a, b)
        if low == "percent" and after_value:
            return _Tok("op", "%", a, b)
        article = low in ("a", "i") and not (after_value and prev is not None and prev.end == a)
        if len(text) == 1 and not (article and nxt[0] == "word"):  # "3A = 12" has a variable, "a day" none
            return _Tok("var", text, a, b)
        if low == "pi" or (low == "sqrt" and nxt[1] == "("):
            return _Tok("var", low, a, b)  # a constant or a function the parser knows
        unit_slot = after_value or (prev is not None and prev.text == "/" and len(run) > 1)
        ok = low not in _STOP and low not in _NOT_UNITS and len(text) <= 15
        if unit_slot and ok and unit_words < _MAX_UNIT_WORDS:
            return _Tok("unit", "@" + _singular(text), a, b)
        return None

    def _finish(self, run: list[_Tok], before: tuple[str, str], after: tuple[str, str]) -> None:
        claim = _trim(run, before)
        if not claim or not any(t.kind == "rel" for t in claim):
            return
        starts_number = claim[0].kind != "var"
        left = LEFT_OPEN.search(self.context, max(0, claim[0].start - 24), claim[0].start)
        if starts_number and (before[1] in _LEFT_WORDS or left):
            return  # "twice 4 = 8", "10% of 80 = 8": the left side continues
        if before[0] == "other" and before[1] in _GLUED:
            return  # "\\sqrt{16} + 2 = 6": the left side continues
        glued = after[0] != "spaced"
        if (
            (glued and after[1] in ("(", "^"))
            or after[1] in _CONTINUES
            or (after[0] == "word" and len(after[1]) == 1)
        ):
            return  # "= 8 squared", "= 2(3)": the right side continues
        named, start = "", claim[0].start
        if claim[0].kind == "rel":  # "Total amount = 5 + 3 = 8": the words on the left name the quantity
            words = _NAMING.search(self.context, max(0, claim[0].start - 60), claim[0].start)
            if words and _WORD3.search(words.group(1)):  # a quantity named in words, not a variable
                named, start = label(words.group(1)), words.start(1)
            claim = claim[1:]
            if not claim:
                return
        text = "".join(
            (" " if k and t.start > claim[k - 1].end else "") + t.text for k, t in enumerate(claim)
        )
        rels = sum(1 for t in claim if t.kind == "rel")
        arithmetic = any(t.text in ("+", "-", "*", "/", "^", "%") for t in claim) or rels >= 2
        algebra = any(t.kind == "var" for t in claim)  # an equation or a value given: "2x = 4", "x = 2"
        named = named if named.startswith("#") else ""
        if (arithmetic or algebra or named) and _ends_well(claim):  # "Total = 34" may follow "Total = 30 + 4"
            text = f"{named} = {text}" if named else text
            self.chains.extend(chains_in(text, start if named else claim[0].start, claim[-1].end, False))


def _fraction(run: list[_Tok]) -> bool:
    return len(run) >= 3 and run[-1].kind == "num" and run[-2].text == "/" and run[-3].kind == "num"


def _trim(run: list[_Tok], before: tuple[str, str]) -> list[_Tok]:
    """The run without operators dangling at its end and without parentheses left open or wrapping it;
    empty when it starts in the middle of an expression."""
    end = len(run)
    while end and run[end - 1].kind in ("op", "rel") and run[end - 1].text not in (")", "%"):
        end -= 1
    run = run[:end]
    if not run or (run[0].kind == "op" and run[0].text not in ("(", "-")):
        return []
    if run[0].text == "-" and before[0] == "word" and before[1] not in _STOP:
        return []  # "x - 5 = 3" seen from the middle: the left side continues
    wraps, cut, first_close = False, len(run), -1
    opened: list[int] = []
    for k, t in enumerate(run):
        if t.text == "(":
            opened.append(k)
        elif t.text == ")":
            if not opened:
                cut = k
                break
            if opened.pop() == 0:
                first_close = k
        elif t.kind == "rel" and opened:
            wraps = True
    if opened:
        cut = min(cut, opened[0])
    if wraps and run[0].text == "(" and 0 < first_close < cut:
        return run[1:first_close]  # "(3 + 4 = 7)": the parentheses wrap the claim
    return run[:cut]


def _ends_well(claim: list[_Tok]) -> bool:
    first, last = claim[0], claim[-1]
    starts = first.kind in ("num", "var") or first.text in ("(", "-")
    return starts and (last.kind in ("num", "unit", "var") or last.text in (")", "%"))


def prose_chains(prose: str, context: str) -> list[Chain]:
    """The relation chains written in `prose` (a step's text with its math blanked; `context` the same
    text with its math as solid blocks, so that `$10\\%$ of 80 = 8` reads "of" after a quantity)."""
    return _Scanner(_light(prose), context).scan()
