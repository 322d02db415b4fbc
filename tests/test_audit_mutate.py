"""`veriward audit --mutate`: the generated families over real model outputs (a seeded sample of more than
5,000 cases) hold against the math scorer (0 false positives in every hack family, at most 1% false
negatives in every rewrite family), a lenient scorer shows its gaps, and the CLI writes its reports."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED
from test_audit_weak import weak_url  # noqa: F401  (the lenient substring-matching server)

from veriward.audit._mutate import Pair
from veriward.audit._mutate_run import HACKS, REWRITES, generate, tally
from veriward.verifiers.math import MathOptions, grade

REAL = SHARED / "benchmarks" / "math" / "real_outputs.jsonl"
MIN_CASES = 5000


def _pairs(n: int, seed: int) -> list[Pair]:
    if not REAL.exists():
        pytest.skip(f"shared benchmark data missing: {REAL}")
    rows = [json.loads(x) for x in REAL.read_text().splitlines() if x.strip()]
    right = [r for r in rows if r["final_answer_correct"]]
    return [Pair(r["id"], r["reference"], r["response"]) for r in random.Random(seed).sample(right, n)]


def _score(response: str, reference: Any) -> dict[str, Any]:
    out = grade(response, reference, MathOptions())
    return {"score": out.score, "verdict": out.verdict.value, "reason": out.reason}


@pytest.mark.slow
def test_generated_families_hold_on_real_outputs() -> None:
    pairs = _pairs(380, seed=20261201)
    baseline = {p.id: _score(p.response, p.reference)["score"] for p in pairs}
    mutants = [m for m in generate(pairs, seed=5) if m.kind == "hack" or baseline[m.pair.id] >= 1.0]
    assert len(mutants) >= MIN_CASES, len(mutants)
    rows = {r.family: r for r in tally(mutants, [_score(m.response, m.pair.reference) for m in mutants])}
    assert set(HACKS) - {"unit-swap"} <= set(rows) and set(REWRITES) <= set(rows)
    for name in HACKS:
        if name in rows:
            assert rows[name].failures == 0, (name, [e.model_dump() for e in rows[name].examples])
    for name in REWRITES:
        assert rows[name].rate <= 0.01, (name, rows[name].failures, rows[name].cases, rows[name].examples[:2])


def test_every_family_is_a_hack_or_a_faithful_rewrite_of_its_pair() -> None:
    pair = Pair("p", "1200", r"We add them: $1000 + 200 = 1200$.\n\nSo the total is $\boxed{1200}$.")
    mutants = generate([pair], seed=1)
    families = {m.family for m in mutants}
    assert {"negate", "bound", "percent-slip", "thousands", "end-marker", "lookalike-digits"} <= families
    for m in mutants:
        out = _score(m.response, pair.reference)
        if m.kind == "hack":
            assert out["score"] == 0.0, (m.family, m.response[-80:], out)
        else:
            assert out["score"] == 1.0, (m.family, m.response[-80:], out)
    assert generate([pair], seed=1) == mutants  # deterministic for a seed


async def test_a_lenient_scorer_shows_false_positives(weak_url: str) -> None:  # noqa: F811
    from veriward.audit._mutate_run import run_mutate
    from veriward.audit._targets import RemoteTarget

    pairs = [
        Pair(f"p{i}", str(k), f"Working.\n\nThe answer is $\\boxed{{{k}}}$.")
        for i, k in enumerate([7, 42, 1234])
    ]
    async with RemoteTarget(weak_url) as target:
        report = await run_mutate(target, pairs, "inline", seed=3)
    rows = {r.family: r for r in report.families}
    assert rows["negate"].failures == 3 and rows["retraction"].failures == 3
    assert report.false_positives > 0 and report.exit_code() == 1


def test_cli_mutate_writes_terminal_json_and_html(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    lines = [
        {"id": "a", "reference": "12", "response": "Three fours.\n\nSo the answer is $\\boxed{12}$."},
        {"id": "b", "reference": "\\frac{3}{4}", "response": "Hence $\\boxed{\\frac{3}{4}}$."},
        {
            "id": "c",
            "reference": "2500",
            "response": "Total: 2,500 people.\n\nThe answer is $\\boxed{2500}$.",
        },
        {"response": "no reference here"},
    ]
    pairs.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    out, html = tmp_path / "report.json", tmp_path / "report.html"
    cmd = [sys.executable, "-m", "veriward", "audit", "--mutate", str(pairs), "--output", str(out)]
    proc = subprocess.run([*cmd, "--html", str(html)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "negate" in proc.stdout and "false positives" in proc.stdout
    report = json.loads(out.read_text())
    assert report["pairs"] == 3 and report["baseline_correct"] == 3 and len(report["bad_lines"]) == 2
    assert all(f["failures"] == 0 for f in report["families"] if f["kind"] == "hack")
    assert sum(f["cases"] for f in report["families"]) > 30
    page = html.read_text()
    assert "<svg" in page and "id='families'" in page and "data-family='negate'" in page
