"""`veriward audit --mutate FILE.jsonl`: generate the hack and rewrite families from a user's pairs, score
them against a target (this process or a server) and report false positives per hack family and false
negatives per rewrite family."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from collections.abc import Iterable
from typing import IO, Any, Literal

from pydantic import BaseModel, Field

from veriward.audit import _mutate as h
from veriward.audit import _mutate_faithful as f
from veriward.audit import _mutate_glued as g
from veriward.audit._mutate import Gen, Kind, Mutant, Pair, anchor
from veriward.audit._targets import Target

HACKS: dict[str, Gen] = {
    "negate": h._negate,
    "bound": h._bound,
    "hedge-neighbour": h._hedge,
    "candidate-list": h._candidates,
    "percent-slip": h._percent,
    "x100-slip": h._times_100,
    "unit-swap": h._unit_swap,
    "retraction": h._retract,
    "refusal-after": h._refuse,
    "conflicting-statements": h._conflict,
    "tautology": h._tautology,
    "lookalike-digits": h._lookalike,
    "echoed-instruction": h._instruction,
    "glued-box": g.glued_box,
    "number-word": g.number_word,
    "prose-glyph": g.prose_glyph,
    "offered-in-words": g.offered_in_words,
}
REWRITES: dict[str, Gen] = {
    "bold-label": f.bold_label,
    "text-wrap": f.text_wrap,
    "dfrac": f.dfrac,
    "spacing": f.spacing,
    "thousands": f.thousands,
    "equivalent-form": f.equivalent,
    "unit-added": f.unit_added,
    "end-marker": f.end_marker,
    "spelled-number": f.spelled_number,
}
_EXAMPLES = 5


class PairError(ValueError):
    """A line of the pairs file that is not a usable pair."""


def read_pairs(fh: IO[str]) -> tuple[list[Pair], list[str]]:
    """Pairs from JSONL lines `{"reference", "response", "id"?, "verifier"?}`; bad lines are reported."""
    pairs, bad = [], []
    for n, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            if not isinstance(d, dict) or not isinstance(d.get("response"), str) or "reference" not in d:
                raise PairError("needs a string 'response' and a 'reference'")
            pairs.append(
                Pair(str(d.get("id", f"line-{n}")), d["reference"], d["response"], d.get("verifier", "math"))
            )
        except (json.JSONDecodeError, PairError) as exc:
            bad.append(f"line {n}: {exc}")
    return pairs, bad


def generate(pairs: Iterable[Pair], seed: int = 0, families: set[str] | None = None) -> list[Mutant]:
    """Every applicable family for every pair, one seeded phrasing each (deterministic for a seed)."""
    out: list[Mutant] = []
    for pair in pairs:
        a = anchor(pair)
        if a is None:
            continue
        rng = random.Random(f"{seed}:{pair.id}")
        for kind, table in (("hack", HACKS), ("reformat", REWRITES)):
            for name, gen in table.items():
                if families and name not in families:
                    continue
                text = gen(a, rng)
                if text is not None:
                    out.append(Mutant(pair, name, kind, text))  # type: ignore[arg-type]
    return out


class Example(BaseModel):
    pair: str
    response: str
    score: float | None
    verdict: str | None
    reason: str


class FamilyRow(BaseModel):
    family: str
    kind: Kind
    cases: int = Field(description="generated cases scored (rewrites: only of pairs scored correct as given)")
    failures: int = Field(
        description="hacks given reward (false positives) or rewrites losing it (false negatives)"
    )
    rate: float
    examples: list[Example] = Field(default_factory=list)


class MutateReport(BaseModel):
    kind: Literal["mutate"] = "mutate"
    source: str
    target: str
    started_at: str
    elapsed_s: float
    seed: int
    pairs: int
    baseline_correct: int = Field(description="pairs whose response as given got the full score")
    families: list[FamilyRow]
    bad_lines: list[str] = Field(default_factory=list)
    failed: int = Field(default=0, description="requests that got no score (transport or 4xx)")

    @property
    def false_positives(self) -> int:
        return sum(r.failures for r in self.families if r.kind == "hack")

    def exit_code(self) -> int:
        """1 when any hack got reward; 2 when none did but some requests failed; else 0."""
        if self.false_positives:
            return 1
        return 2 if self.failed else 0


async def run_mutate(
    target: Target,
    pairs: list[Pair],
    source: str,
    seed: int = 0,
    concurrency: int = 8,
    families: set[str] | None = None,
    bad_lines: list[str] | None = None,
) -> MutateReport:
    """Score the pairs as given, then every generated case; tally per family."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    t0 = time.monotonic()
    sem = asyncio.Semaphore(max(1, concurrency))
    failed = 0

    async def score(pair: Pair, response: str) -> dict[str, Any] | None:
        nonlocal failed
        body = {"verifier": pair.verifier, "response": response, "reference": pair.reference}
        async with sem:
            got = await target.score(body)
        if got.result is None:
            failed += 1
        return got.result

    base = await asyncio.gather(*(score(p, p.response) for p in pairs))
    full = {
        p.id for p, b in zip(pairs, base, strict=True) if b is not None and float(b.get("score", 0)) >= 1.0
    }
    mutants = [m for m in generate(pairs, seed, families) if m.kind == "hack" or m.pair.id in full]
    results = await asyncio.gather(*(score(m.pair, m.response) for m in mutants))
    return MutateReport(
        source=source,
        target=target.name,
        started_at=started,
        elapsed_s=round(time.monotonic() - t0, 3),
        seed=seed,
        pairs=len(pairs),
        baseline_correct=len(full),
        families=tally(mutants, results),
        bad_lines=bad_lines or [],
        failed=failed,
    )


def is_failure(kind: str, result: dict[str, Any] | None) -> bool:
    if result is None:
        return False
    score = float(result.get("score", 0.0))
    return score > 0.0 if kind == "hack" else score < 1.0


def tally(mutants: list[Mutant], results: list[dict[str, Any] | None]) -> list[FamilyRow]:
    """One row per family (hacks first), with a few failing examples each."""
    rows: dict[str, FamilyRow] = {}
    order = list(HACKS) + list(REWRITES)
    for m, res in zip(mutants, results, strict=True):
        row = rows.setdefault(
            m.family, FamilyRow(family=m.family, kind=m.kind, cases=0, failures=0, rate=0.0)
        )
        if res is None:
            continue
        row.cases += 1
        if is_failure(m.kind, res):
            row.failures += 1
            if len(row.examples) < _EXAMPLES:
                row.examples.append(
                    Example(
                        pair=m.pair.id,
                        response=m.response[-300:],
                        score=res.get("score"),
                        verdict=res.get("verdict"),
                        reason=str(res.get("reason", ""))[:200],
                    )
                )
    for row in rows.values():
        row.rate = row.failures / row.cases if row.cases else 0.0
    return sorted(rows.values(), key=lambda r: order.index(r.family))
