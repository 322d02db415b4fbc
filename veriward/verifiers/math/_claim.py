"""Typed answer claims: what an answer statement says about its value.

The words around the value are read with a small grammar over tokens rather than a list of phrases:
- the *clause* before the value (from the last clause boundary: punctuation or a connective such as
  "so", "that", "therefore") carries its polarity (each negator flips it; an excluder such as "other than",
  or "but" after a quantifier, counts as one: "anything but 5" is negated, "nothing but 5" and
  "none other than 5" are asserted) and its bound (a comparative ending the clause: "at least",
  "greater than", "no more than", `\\ge`);
- the sentence carries hedges (modal adverbs, "might be") and conditions ("if", "unless", "assuming");
- the words right after the value may bound it ("5 or more") or condition it ("5 if n is even");
- the sentences after the value may retract it ("Wait, that's wrong.", "I could not solve this.").
Only string work on bounded text; nothing is evaluated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Modality = Literal["asserted", "negated", "hedged", "bounded", "retracted", "conditional", "instruction"]
Relation = Literal["=", "!=", "<", "<=", ">", ">=", "~"]

_CONTEXT_CHARS = 400


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Token classes. Each word maps to one class; multi-word forms are matched on the joined token string.
_NEGATORS = _words(
    "not no never none nothing nobody neither nor cannot can't isn't aren't wasn't weren't "
    "won't wouldn't couldn't shouldn't doesn't don't didn't hasn't haven't ain't ≠ \\neq \\ne"
)
_QUANTIFIERS = _words("anything everything any all every something")
_EXCLUDERS = ("other than", "rather than", "instead of", "apart from", "aside from", "except", "excluding",
              "besides")  # fmt: skip
# A negator right before one of these is litotes ("no doubt", "not hard to see"), not a denial.
_LITOTES = _words("doubt hard difficult surprising surprisingly wonder matter only coincidence")
_BOUNDARY_WORDS = _words(
    "so thus therefore hence then because since that which and while whereas however "
    "consequently finally namely ie i.e whence giving yielding"
)
_HEDGES = _words(
    "maybe perhaps probably possibly likely unlikely presumably supposedly seemingly guess "
    "guessing unsure uncertain unverified unchecked unconfirmed tentative tentatively provisional"
)
_HEDGE_ADVERBS = _words(
    "maybe perhaps probably possibly likely presumably supposedly seemingly hypothetically tentatively"
)
_MODALS = _words("might may could")
_CONDITIONS = _words(
    "if unless assume assuming suppose supposing provided providing whenever pretend hypothetically"
)
_RETRACTIONS = re.compile(
    r"\b(?:wrong|incorrect|mistaken?|scratch|ignore|disregard|retract|withdraw|kidding|nevermind|never mind"
    r"|unsure|uncertain|not sure|no idea|don't know|do not know|not confident|not right|not correct"
    r"|isn't right|isn't correct|not the answer|not the final answer|(?:just|only|merely|a) (?:\w+ )?guess"
    r"|give up|gave up|unable to|placeholder|dummy value|made up"
    r"|(?:that|this|it)(?:'s| is| was) (?:false|untrue|bogus|a lie)"
    r"|(?:could|can|did|do)(?: not|n't) (?:\w+ ){0,2}?(?:solve|finish|find|determine|complete|answer)"
    r"|cannot (?:\w+ ){0,2}?(?:solve|finish|find|determine|complete|answer))\b"
)
# An imperative to put the answer somewhere ("put your final answer within"), or an example ("e.g.").
_INSTRUCTION = re.compile(
    r"\b(?:put|place|write|enter|wrap|enclose|format|present|give|provide|box|mark)\s+(?:\w+\s+){0,3}?"
    r"(?:your|the)\s+(?:\w+\s+){0,2}?(?:answers?|results?|solutions?|responses?)\s+"
    r"(?:with|within|in|inside|into|using|as)$"
    r"|\b(?:e\s*\.?\s*g|for example|for instance|such as)(?:\s*[.,:])*\s*$"
)
_SYMBOLS: dict[str, Relation] = {
    "≥": ">=", "ge": ">=", "geq": ">=", "geqslant": ">=", ">": ">", "gt": ">",
    "≤": "<=", "le": "<=", "leq": "<=", "leqslant": "<=", "<": "<", "lt": "<",
}  # fmt: skip
_UP = _words("more greater larger bigger higher above over exceeds exceed exceeding beyond")
_DOWN = _words("less fewer smaller lower below under")
_BOUND_END = re.compile(
    r"(?:\b(?P<neg>no|not)\s+)?(?:\b(?P<least>at least|a minimum of|upwards of)"
    r"|\b(?P<most>at most|up to|a maximum of)"
    r"|\b(?P<cmp>more|less|fewer|greater|larger|smaller|bigger|higher|lower) than(?: or equal to)?"
    r"|\b(?P<dir>above|below|under|over|exceeds?|exceeding|beyond|almost|nearly|just under|just over)"
    r"|(?P<sym>≥|≤|<|>|\\geq?|\\leq?|\\gt|\\lt|\\geqslant|\\leqslant))"
    r"(?:\s+(?:exactly|the value|the number))?$"
)
_BOUND_AFTER = re.compile(
    r"^(?:,\s*)?(?:or|and)\s+(?:more|less|fewer|greater|higher|lower|above|below|up|over|under)\b|^\+(?!\s*\d)"
)
_TOKEN = re.compile(r"\\[a-z]+|[a-z]+(?:'[a-z]+)?|n't|[≠≤≥<>]|\d+(?:[.,]\d+)*|[,;:.!?]", re.I)
_MATH = re.compile(
    r"\$\$.{0,800}?\$\$|\\\[.{0,800}?\\\]|\\\(.{0,400}?\\\)|\$[^$]{0,400}\$|\\boxed\s*\{", re.S
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(\\$\d])|\n\s*\n")


_OPENERS = re.compile(r"(?:\\boxed\s*\{|\\fbox\s*\{|\$+|\\\(|\\\[|\*\*|\s)+$")
_CLOSERS = re.compile(r"^(?:\}|\$+|\\\)|\\\]|\*\*|\s)+")


@dataclass(frozen=True)
class Claim:
    """What the answer statement says about its value; `why` names the words that decided it."""

    modality: Modality = "asserted"
    relation: Relation = "="
    why: str = ""

    @property
    def asserted(self) -> bool:
        return self.modality == "asserted"

    @property
    def non_strict_bound(self) -> bool:
        """`at most 9`, `up to 9`: consistent with the value itself being the answer."""
        return self.modality == "bounded" and self.relation in ("<=", ">=")


ASSERTED = Claim()


def _mask(text: str) -> str:
    return _MATH.sub(" VAL ", text)


def _tokens(text: str) -> list[str]:
    """Lower-case words and signs; every number or math segment is the token `val`."""
    return ["val" if t[0].isdigit() else t.lower() for t in _TOKEN.findall(_mask(text))]


def _clause(tokens: list[str]) -> tuple[list[str], list[str]]:
    """The last clause (tokens after the last boundary) and the one before it."""
    cut = 0
    prev_cut = 0
    for i, t in enumerate(tokens):
        if t in ",;:.!?" or t in _BOUNDARY_WORDS:
            prev_cut, cut = cut, i + 1
    return tokens[cut:], tokens[prev_cut:cut]


_VERBS = _words(
    "is are was were be been being equals equal get gets got obtain obtains gives give yields "
    "has have had makes becomes remains = : isn't aren't wasn't weren't"
)
_AUX = _words("can could may might must will would shall should does do did have has had be")


def _predicate(clause: list[str]) -> tuple[list[str], list[str]]:
    """The clause split at its last stating verb: (subject part, verb and what follows it).

    A negator or a modal belongs to the value only after that verb or as its auxiliary (`is not`,
    `cannot be`, `isn't`); one inside the subject (`the integers that are not cubes is 222`) does not."""
    k = max((i for i, t in enumerate(clause) if t in _VERBS or t.endswith("'s")), default=-1)
    if k < 0:
        return [], clause
    j = k
    while j > 0 and (clause[j - 1] in _AUX or clause[j - 1] in _NEGATORS or clause[j - 1].endswith("n't")):
        j -= 1
    return clause[:j], clause[j:]


def _polarity(clause: list[str]) -> tuple[int, str]:
    """How many negators (and excluders) govern the value; the last such word."""
    count, last = 0, ""
    for i, t in enumerate(clause):
        if t in _NEGATORS or t.endswith("n't"):
            if any(x in _LITOTES for x in clause[i + 1 : i + 3]):
                continue
            if t == "nor" and (
                "neither" in clause[:i] or any(w.endswith("n't") or w == "not" for w in clause[:i])
            ):
                continue  # `neither 41 nor 42`, `not 41 nor 42`: one denial of each, not two that cancel
            count, last = count + 1, t
    text = " ".join(clause)
    ex = next((x for x in _EXCLUDERS if text.endswith(x)), None)
    if ex is not None:
        count, last = count + 1, ex
    if len(clause) >= 2 and clause[-1] == "but" and clause[-2] in _QUANTIFIERS | _NEGATORS:
        count, last = count + 1, "but"
    return count, last


def _bound(clause: list[str]) -> Relation | None:
    m = _BOUND_END.search(" ".join(clause[-7:]))
    if m is None:
        return None
    word = m.group("cmp") or m.group("dir") or ""
    if m.group("least"):
        rel: Relation = ">="
    elif m.group("most"):
        rel = "<="
    elif m.group("sym"):
        rel = _SYMBOLS.get(m.group("sym").lstrip("\\"), "<")
    else:
        rel = ">" if word.split()[-1] in _UP or word == "just over" else "<"
    if m.group("neg"):  # "no more than" / "not less than"
        rel = {">": "<=", "<": ">=", ">=": "<", "<=": ">"}[rel]  # type: ignore[assignment]
    return rel


def _sentence_bounds(before: str, after: str) -> tuple[str, str]:
    """The part of the value's sentence before it and after it."""
    cuts = list(_SENTENCE.finditer(before))
    head = before[cuts[-1].end() :] if cuts else before
    if re.search(r"[.!?]\s*$", head):
        head = ""  # the value opens a new sentence
    m = _SENTENCE.search(after)
    tail = after[: m.start()] if m else after
    return head[-_CONTEXT_CHARS:], tail[:_CONTEXT_CHARS]


def classify(before: str, after: str) -> Claim:
    """The claim a value makes, from the text before it (same answer statement) and after it."""
    before = _OPENERS.sub("", before[-2 * _CONTEXT_CHARS :])  # the box or math that holds the value
    after = _CLOSERS.sub("", after[: 4 * _CONTEXT_CHARS])
    head, tail = _sentence_bounds(before, after)
    head_tokens = _tokens(head)
    clause, previous = _clause(head_tokens)
    tail_tokens = _tokens(tail)
    if _INSTRUCTION.search(" ".join(head_tokens[-12:])):
        return Claim("instruction", why="inside an instruction to box the answer")
    if len(clause) >= 2 and clause[-1] == "or" and "val" in clause[-3:]:
        return Claim("hedged", why="alternatives offered ('or' before the value)")
    subject, predicate = _predicate(clause)
    count, neg_word = _polarity(predicate)
    bound = _bound(clause)
    opening = set(head_tokens[:3]) & _HEDGE_ADVERBS  # `Probably, the answer is 5`: the whole sentence
    hedge = (
        (set(clause) | set(tail_tokens[:6])) & _HEDGES
        or opening
        or _epistemic(predicate)
        or _questioned(tail)
    )
    if bound is not None and not hedge:  # a hedged bound ("maybe up to 5") is a hedge first
        return Claim("bounded", bound, why=f"a bound ({bound}) before the value")
    if count % 2 == 1:
        return Claim("negated", "!=", why=f"{neg_word!r} before the value")
    if _raises_negation(subject) or _denies(clause) or (previous and _raises_negation(previous)):
        return Claim("negated", "!=", why="a denied statement that the value holds")
    if hedge:
        return Claim("hedged", why=f"{sorted(hedge)[0]!r} in the answer statement")
    if set(clause[:3]) & _CONDITIONS:  # `if`, `only if`, `let us assume`, `now suppose`
        return Claim("conditional", why="the value is stated inside a condition")
    if _BOUND_AFTER.search(tail.strip().lower()):
        return Claim("bounded", ">=", why="a bound after the value")
    denial = _tail_denial(tail_tokens) or _retraction(tail)
    if denial:
        return Claim("retracted", "!=", why=denial)
    retraction = retracted_after(after[len(tail) :])
    if retraction:
        return Claim("retracted", "!=", why=retraction)
    earlier = [s for s in _SENTENCE.split(before[-2 * _CONTEXT_CHARS : len(before) - len(head)]) if s.strip()]
    for s in earlier[-1:]:
        words = _tokens(s)
        m = _RETRACTIONS.search(" ".join(words))
        if m and {"i", "i'm", "i've"} & set(words):
            return Claim("retracted", "!=", why=f"{m.group(0)!r} before the answer")
    return ASSERTED


def _questioned(tail: str) -> set[str]:
    """`42?`, `42, or is it?`: the value's own sentence ends in a question mark, so it asks, not states."""
    return {"?"} if "?" in tail[:200] else set()


def _epistemic(predicate: list[str]) -> set[str]:
    """`could be`, `might have been`: a modal of possibility on the stating verb (not `could take`)."""
    return {t for i, t in enumerate(predicate[:-1]) if t in _MODALS and predicate[i + 1] in ("be", "have")}


_RAISING = _words(
    "true case think believe say claim mean means follow follows correct right possible sure certain"
)


_DENYING = _words(
    "wrong false incorrect untrue mistaken mistake refuse refuses refused decline declines declined"
)
_SAYING = _words("say claim think believe conclude answer state give write put")


def _raises_negation(words: list[str]) -> bool:
    """`It is not true that ...`, `I don't think the answer is`, `it would be wrong to say`, `I refuse to
    say`: a negated or denying frame around the value's clause."""
    for i, t in enumerate(words):
        if (t in _NEGATORS or t.endswith("n't")) and set(words[i + 1 : i + 3]) & _RAISING:
            return True
    return _denies(words)


def _denies(words: list[str]) -> bool:
    """`wrong to say`, `refuse to give`: a frame that denies what the clause goes on to state."""
    return any(
        t in _DENYING
        and words[i + 1 : i + 2] == ["to"]
        and bool(set(words[i + 2 : i + 3]) & _SAYING)
        and not (set(words[max(0, i - 2) : i]) & _NEGATORS)  # `not wrong to say`: asserted
        for i, t in enumerate(words)
    )


def _tail_denial(tail: list[str]) -> str:
    """`5 is not the answer`, `5 isn't right`, `5 (not really)`: the value denied right after it."""
    text = " ".join(tail[:8])
    if re.match(r"^(?:[,;:]\s*)?(?:is|was|would be|seems)?\s*(?:not|n't|isn't|wasn't)\b", text) or re.match(
        r"^(?:[,;:]\s*)?(?:is|was)\s+(?:wrong|incorrect|false)\b", text
    ):
        return "the value is denied right after it"
    return ""


def retracted_after(text: str) -> str:
    """A sentence after the answer that takes it back or refuses the problem (first and last two)."""
    sentences = [s for s in _SENTENCE.split(text[: 6 * _CONTEXT_CHARS]) if s and s.strip()]
    tail = [s for s in _SENTENCE.split(text[-2 * _CONTEXT_CHARS :]) if s and s.strip()]
    for s in sentences[:2] + tail[-2:]:
        found = _retraction(s)
        if found:
            return found
    return ""


def _retraction(sentence: str) -> str:
    low = " ".join(_tokens(sentence))
    m = _RETRACTIONS.search(low)
    if m and not re.search(r"\b(?:hope|if)\b[^.]*$", low[: m.start()]):
        return f"{m.group(0)!r} after the answer"
    return ""
