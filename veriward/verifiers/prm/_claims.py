"""Typed claims and step verdicts.

A step is `false` when one claim it asserts is false, `verified` when it has claims and every one was read
and is true (and none was left unchecked over a cap), and `neutral` otherwise: a step with only unknown,
unread or unasserted claims, or none, is never verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

ClaimResult = Literal["true", "false", "unknown", "unread", "not_asserted"]
ClaimKind = Literal[
    "",
    "with earlier values",
    "identity",
    "solution",
    "units",
    "final_answer",
    "equation",
    "rounded",
    "unread",
]
StepVerdict = Literal["false", "verified", "neutral"]


@dataclass
class Claim:
    text: str
    result: ClaimResult
    kind: ClaimKind = ""
    note: str = ""
    key: str = ""  # canonical form (sides as structural keys), to find restatements

    def as_dict(self) -> dict[str, str]:
        out = {"claim": self.text, "result": self.result}
        if self.kind:
            out["kind"] = self.kind
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class StepCheck:
    """What the symbolic reader found in one step."""

    claims: list[Claim] = field(default_factory=list)
    unchecked: str = ""  # why some of the step was not checked (a cap), else ""
    tautologies: int = 0  # claims that state nothing (`x = x`, `3 + 4 = 4 + 3`)

    @property
    def verdict(self) -> StepVerdict:
        return step_verdict(self.claims, bool(self.unchecked))

    def as_checks(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [c.as_dict() for c in self.claims]
        if self.unchecked:
            out.append({"claim": "(the rest of the step)", "result": "unknown", "note": self.unchecked})
        return out


def step_verdict(claims: Sequence[Claim], unchecked: bool = False) -> StepVerdict:
    if any(c.result == "false" for c in claims):
        return "false"
    if claims and not unchecked and all(c.result == "true" for c in claims):
        return "verified"
    return "neutral"
