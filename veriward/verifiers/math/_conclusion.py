"""A yes/no answer concluded in prose: "Since ..., we conclude that there does not exist such a set."

Proofs answering an existence question often end with no box and no answer phrase: their answer is the
conclusion of the argument. This reads one only where the reference is yes/no (`_core`) and the response
states no answer of its own. A conclusion is a sentence whose main clause opens with a concluding word
("therefore", "we conclude that", "this shows that") followed by an existence statement that `polarity`
reads. It counts only when it is plainly asserted:
- nothing before it denies, hedges or conditions it ("we cannot conclude that", "it seems that", "if n is
  even, then"), and nothing after it in its sentence qualifies it ("unless", "except", "if");
- every existence statement in the final part of the response agrees with it (a proof that says "there
  exists" and then "there does not exist" answers nothing), and no sentence after it retracts or doubts it.
Only string work on bounded text; nothing is evaluated.
"""

from __future__ import annotations

import re

from veriward.verifiers.math._claim import classify, retracted_after
from veriward.verifiers.math._polarity import Polarity, polarity

_TAIL_CHARS = 1500
_MARKS = re.compile(r"\*\*|__|\\textbf\{([^{}]*)\}|\\emph\{([^{}]*)\}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CONCLUDING = re.compile(
    r"^\W*(?:and\s+)?(?:so|thus|hence|therefore|consequently|accordingly|finally|in\s+conclusion|to\s+conclude"
    r"|in\s+summary|conclusion\s*:|(?:we|i)\s+(?:can\s+|may\s+|must\s+|thus\s+|therefore\s+)?"
    r"(?:conclude|deduce|infer|see|find)(?:\s+that)?|(?:this|which|it)\s+(?:shows|proves|means|implies"
    r"|follows)(?:\s+that)?|it\s+follows\s+that)(?!\w)[\s,:]*",
    re.I,
)
# Words that make what follows them not a plain assertion, wherever they stand in the sentence.
_UNSURE = re.compile(
    r"\b(?:maybe|perhaps|probably|possibly|likely|unlikely|presumably|seemingly|apparently|seems?|appears?"
    r"|might|may|conjecture|suspect|guess|believe|think|hope|unless|except|excluding|if|suppose|assume"
    r"|assuming|provided|whether|not\s+sure|unsure|cannot|can't|not|never|no|wrong|false)\b",
    re.I,
)
# Words in the statement that qualify or hedge it ("... does not exist, except when n = 2", "..., or maybe
# it does", "... exist?"), or make it a step of a proof by contradiction ("So there exists k with 2k = 1, a
# contradiction.").
_QUALIFIED = re.compile(
    r"\b(?:unless|except|excluding|if|provided|assuming|otherwise|but|however|although|though|or|maybe"
    r"|perhaps|probably|possibly|likely|unlikely|presumably|seemingly|apparently|seems?|appears?|might|may"
    r"|whether|think|believe|guess|suspect|conjecture|feel|hope|contradiction|contradicts|absurd)\b|\?",
    re.I,
)
# A hedge in a sentence after the conclusion doubts it ("Perhaps there does.", "I am not sure.").
_HEDGED_AFTER = re.compile(
    r"\b(?:maybe|perhaps|probably|possibly|might|likely|unlikely|uncertain|unsure|not\s+sure|doubt)\b", re.I
)
_EXISTENCE = re.compile(r"\b(?:exists?|possible|impossible|such)\b", re.I)
_MAX_PREFIX_WORDS = 24


def concluded(response: str) -> Polarity | None:
    """The yes/no answer the response concludes in prose, or None when it concludes none (or several)."""
    text = response[-_TAIL_CHARS:]
    plain = _MARKS.sub(lambda m: m.group(1) or m.group(2) or "", text)
    found: list[tuple[Polarity, bool, int]] = []
    for end, sentence in _sentences(plain):
        read = _stance(sentence)
        if read is not None:
            found.append((*read, end))
    if not found or not any(is_conclusion for _, is_conclusion, _ in found):
        return None
    if len({p for p, _, _ in found}) != 1:
        return None  # the final part of the proof says both
    after = plain[found[-1][2] :]
    if retracted_after(after) or _HEDGED_AFTER.search(after):
        return None  # "Wait, that is wrong.", "Perhaps there does."
    return found[-1][0]


def _sentences(text: str) -> list[tuple[int, str]]:
    """Each sentence (or line) with the offset where it ends."""
    out, pos = [], 0
    for cut in [*_SENTENCE.finditer(text), None]:
        end = cut.start() if cut is not None else len(text)
        if text[pos:end].strip():
            out.append((end, text[pos:end]))
        pos = cut.end() if cut is not None else end
    return out


def _stance(sentence: str) -> tuple[Polarity, bool] | None:
    """The polarity of the sentence's main clause and whether a concluding word opens it; None when the
    clause is no existence statement or is not plainly asserted."""
    for prefix, clause in _clauses(sentence):
        opening = _CONCLUDING.match(sentence)
        is_conclusion = opening is not None and opening.end() > 0
        while (m := _CONCLUDING.match(clause)) is not None and m.end() > 0:
            is_conclusion, prefix, clause = True, prefix + clause[: m.end()], clause[m.end() :]
        said = polarity(clause)
        if said is None or not _EXISTENCE.search(clause[:120]):
            continue
        head = _CONCLUDING.sub(" ", prefix)
        if _UNSURE.search(head) or _QUALIFIED.search(clause):
            return None
        if not classify(prefix, "").asserted or len(prefix.split()) > _MAX_PREFIX_WORDS:
            return None
        return said, is_conclusion
    return None


def _clauses(sentence: str) -> list[tuple[str, str]]:
    """The sentence whole, then from after each comma: (what comes before, the clause)."""
    cuts = [0] + [m.end() for m in re.finditer(r",\s*", sentence)]
    return [(sentence[:c], sentence[c:]) for c in cuts[:6]]
