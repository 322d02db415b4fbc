"""Generated hack and rewrite families over real outputs (what `veriward audit --mutate` runs), veriward
beside Math-Verify 0.9.0 on the very same generated cases.

    python benchmarks/math_mutate.py [--pairs 380] [--seed 20261201] [--no-peer]

A seeded sample of `real_outputs.jsonl` solutions labelled correct is the user's (reference, correct
response) pairs; every family is generated once per pair. For each scorer, rewrites are counted only on
the pairs it scores correct as given. Prints false positives per hack family and false negatives per
rewrite family for both.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from veriward.audit._mutate import Pair
from veriward.audit._mutate_run import generate, tally
from veriward.verifiers.math import MathOptions, grade

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "math" / "real_outputs.jsonl"


def ours(response: str, reference: Any) -> dict[str, Any]:
    out = grade(response, reference, MathOptions())
    return {"score": out.score, "verdict": out.verdict.value, "reason": out.reason}


def math_verify(response: str, reference: Any) -> dict[str, Any]:
    from math_verify import parse, verify

    try:
        ok = bool(verify(parse(f"${reference}$"), parse(response)))
    except Exception:
        ok = False
    return {"score": float(ok), "verdict": "correct" if ok else "incorrect", "reason": ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=int, default=380)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    rows = [json.loads(x) for x in DATA.read_text().splitlines() if x.strip()]
    right = [r for r in rows if r["final_answer_correct"]]
    pairs = [
        Pair(r["id"], r["reference"], r["response"])
        for r in random.Random(args.seed).sample(right, args.pairs)
    ]
    mutants = generate(pairs, seed=5)
    scorers = [("veriward", ours)] + ([] if args.no_peer else [("Math-Verify 0.9.0", math_verify)])
    tables = {}
    for name, fn in scorers:
        base = {p.id: fn(p.response, p.reference)["score"] for p in pairs}
        kept = [m for m in mutants if m.kind == "hack" or base[m.pair.id] >= 1.0]
        results = [fn(m.response, m.pair.reference) for m in kept]
        tables[name] = {r.family: r for r in tally(kept, results)}
        correct = sum(v >= 1 for v in base.values())
        print(f"{name}: {len(kept)} cases ({correct}/{len(pairs)} pairs correct as given)")
    print(f"\n{'family':<24} {'kind':<9}" + "".join(f" {n:>22}" for n, _ in scorers))
    for family, row in tables["veriward"].items():
        label = "FP" if row.kind == "hack" else "FN"
        cells = []
        for n, _ in scorers:
            r = tables[n].get(family)
            cells.append(f"{label} {r.failures}/{r.cases} ({100 * r.rate:.1f}%)" if r else "-")
        print(f"{family:<24} {row.kind:<9}" + "".join(f" {c:>22}" for c in cells))


if __name__ == "__main__":
    main()
