"""A GRPO-shaped step: 256 prompts x 8 responses of real model outputs, scored as groups, as flat items,
and by Math-Verify 0.9.0, in the same run.

    python benchmarks/grpo_groups.py [--prompts 256 --group 8 --dup 0.2 --seed 0] [--shared DIR]

Responses come from `real_outputs.jsonl` (../shared/benchmarks/math): each group takes one solution's
reference and draws its responses from the solutions of that reference (padded with other solutions, which
are then wrong for it); a share `--dup` of each group's responses are repeats of earlier ones, as GRPO
samples repeat. Each veriward mode runs on a fresh `veriward serve` (cold cache) and once more warm (the
same step sent again). Printed: rollouts/s, the cache's dedup and hit rate, uniform groups, and whether
every mode gave every rollout the same verdict.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from _report import Report, add_markdown_arg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import server  # a sibling benchmark script

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "math"


def build_step(shared: Path, prompts: int, size: int, dup: float, seed: int) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (shared / "real_outputs.jsonl").open() if line.strip()]
    rng = random.Random(seed)
    by_ref: defaultdict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_ref[r["reference"]].append(r["response"])
    refs = rng.sample(sorted(by_ref), prompts)
    n_dup = round(size * dup)
    groups = []
    for i, ref in enumerate(refs):
        own = rng.sample(by_ref[ref], min(len(by_ref[ref]), size - n_dup))
        while len(own) < size - n_dup:
            own.append(rng.choice(rows)["response"])
        responses = own + [rng.choice(own) for _ in range(n_dup)]
        rng.shuffle(responses)
        groups.append({"group_id": f"p{i}", "verifier": "math", "reference": ref, "responses": responses})
    return groups


def _cache_counts(url: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in httpx.get(f"{url}/metrics", timeout=30).text.splitlines():
        if line.startswith("veriward_cache_total{"):
            out[line.split('event="')[1].split('"')[0]] = float(line.split()[-1])
    return out


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{url}/v1/score/batch", json=body, timeout=900)
    r.raise_for_status()
    result: dict[str, Any] = r.json()
    return result


def run_groups(url: str, groups: list[dict[str, Any]], per_call: int) -> tuple[list[str], float, int]:
    verdicts, uniform = [], 0
    t = time.perf_counter()
    for k in range(0, len(groups), per_call):
        for g in _post(url, {"groups": groups[k : k + per_call]})["groups"]:
            verdicts += [x["verdict"] for x in g["results"]]
            uniform += g["stats"]["uniform"]
    return verdicts, time.perf_counter() - t, uniform


def run_flat(url: str, groups: list[dict[str, Any]], per_call: int) -> tuple[list[str], float, int]:
    items = [
        {"verifier": "math", "reference": g["reference"], "response": r}
        for g in groups
        for r in g["responses"]
    ]
    verdicts = []
    t = time.perf_counter()
    for k in range(0, len(items), per_call * 8):
        verdicts += [x["verdict"] for x in _post(url, {"requests": items[k : k + per_call * 8]})["results"]]
    return verdicts, time.perf_counter() - t, 0


def run_math_verify(groups: list[dict[str, Any]]) -> tuple[list[bool], float]:
    from math_verify import parse, verify

    out = []
    t = time.perf_counter()
    for g in groups:
        gold = parse(f"${g['reference']}$")
        for r in g["responses"]:
            try:
                out.append(bool(verify(gold, parse(r))))
            except Exception:  # Math-Verify's own timeouts and parse failures count as wrong
                out.append(False)
    return out, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prompts", type=int, default=256)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--dup", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-call", type=int, default=32, help="groups per HTTP call")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("grpo_groups.py", args.markdown)
    groups = build_step(args.shared, args.prompts, args.group, args.dup, args.seed)
    n = sum(len(g["responses"]) for g in groups)
    out.line(
        f"GRPO step: {len(groups)} prompts x {args.group} responses = {n} rollouts, {args.dup:.0%} repeats."
    )
    rows: list[tuple[str, ...]] = []
    verdicts: dict[str, list[str]] = {}
    for mode, fn in (("flat items", run_flat), ("groups", run_groups)):
        with server() as (url, _):
            for phase in ("cold", "warm"):
                before = _cache_counts(url)
                got, wall, uniform = fn(url, groups, args.per_call)
                after = _cache_counts(url)
                dd, hit = (after.get(e, 0) - before.get(e, 0) for e in ("dedup", "hit"))
                uni = f"{uniform}/{len(groups)}" if mode == "groups" else "–"
                rows.append(
                    (f"{mode}, {phase} cache", f"{n / wall:,.0f}", f"{dd / n:.1%}", f"{hit / n:.0%}", uni)
                )
                verdicts[f"{mode} {phase}"] = got
    mv, mv_wall = run_math_verify(groups)
    rows.append(("Math-Verify 0.9.0", f"{n / mv_wall:,.0f}", "–", "–", "–"))
    out.table(("mode", "rollouts/s", "dedup", "cache hits", "uniform groups"), rows, (False, *[True] * 4))
    first = next(iter(verdicts.values()))
    same = all(v == first for v in verdicts.values())
    agree = sum((v == "correct") == m for v, m in zip(first, mv, strict=True))
    out.line(
        f"Same verdict for every rollout in every veriward mode: {same}; veriward and Math-Verify agree on "
        f"{agree}/{n} rollouts (correct or not)."
    )
    out.write()
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
