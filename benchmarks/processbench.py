"""ProcessBench: does the PRM step grader find the earliest wrong step? Per split and mean F1.

    python benchmarks/processbench.py [--data PATH] [--backend symbolic] [--backend vllm ...] [--limit N]

Each backend runs through the real engine (the symbolic checks in the killable worker pool, 2 processes
by default); model backends use the server settings (VERIWARD_PRM_VLLM_URL, ...). Metric (ProcessBench):
per split, accuracy on erroneous solutions (predicted earliest wrong step == label) and on correct ones
(predicted -1); F1 is their harmonic mean. Beside them, in the same run: a floor (every solution
called correct: F1 0) and a peer, a quick checker of explicit integer sums and products `a + b = c`,
`a * b = c` written in the steps (what an arithmetic-only checker sees).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from _report import Report, add_markdown_arg

from veriward.engine import Engine
from veriward.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "prm" / "processbench.jsonl"
SPLITS = ("gsm8k", "math", "olympiadbench", "omnimath")
PUBLISHED = "Math-Shepherd-7B 31.5, Skywork-PRM-7B 42.1, Qwen2.5-Math-PRM-7B 73.5, GPT-4o critic 61.9"
_CONTINUES = set("+-*/^=.,×") | set("0123456789")
_ARITH = re.compile(r"(?<![\w.^/*+,{}-])(\d+)\s*([+*×]|\\times|\\cdot)\s*(\d+)\s*=\s*(\d+)(?![\w.^/*+,{}-])")


def quick_checker(steps: list[str]) -> int:
    """The peer: the first step with a false `a + b = c` or `a * b = c` over integers, else -1."""
    for i, step in enumerate(steps):
        for m in _ARITH.finditer(step):
            before, after = step[: m.start()].rstrip()[-1:], step[m.end() :].lstrip()[:1]
            if before in _CONTINUES or after in _CONTINUES:
                continue  # part of a longer expression: "25 + 36 + 12 = 73"
            a, op, b, c = m.groups()
            if (int(a) + int(b) if op == "+" else int(a) * int(b)) != int(c):
                return i
    return -1


def report(name: str, rows: list[dict[str, Any]], preds: list[int], table: list[tuple[str, ...]]) -> float:
    """Print one line per split and the mean, add the grader's row to `table`; return the mean F1 (%)."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row, pred in zip(rows, preds, strict=True):
        t = tally[row["split"]]
        if row["label"] == -1:
            t[2] += 1
            t[3] += pred == -1
        else:
            t[0] += 1
            t[1] += pred == row["label"]
    f1s, alarms, correct = [], 0, 0
    parts, cells = [], []
    for split in SPLITS:
        if split not in tally:
            continue
        n_err, hit, n_ok, kept = tally[split]
        a, b = hit / max(n_err, 1), kept / max(n_ok, 1)
        f1 = 2 * a * b / (a + b) if a + b else 0.0
        f1s.append(f1)
        alarms, correct = alarms + n_ok - kept, correct + n_ok
        parts.append(f"{split} {100 * a:4.1f}/{100 * b:5.1f}/{100 * f1:4.1f}")
        cells.append(f"{100 * a:.1f} / {100 * b:.1f} / {100 * f1:.1f}")
    mean = 100 * sum(f1s) / max(len(f1s), 1)
    fa = 100 * alarms / max(correct, 1)
    print(f"{name:<22} mean F1 {mean:5.1f}  false alarms {fa:4.2f}%  | " + "  ".join(parts))
    table.append((name, *cells, f"{mean:.1f}", f"{fa:.2f}%"))
    return mean


async def run_backend(
    engine: Engine, rows: list[dict[str, Any]], backend: str, concurrency: int
) -> list[int]:
    sem = asyncio.Semaphore(concurrency)
    verdicts: dict[str, int] = defaultdict(int)

    async def one(row: dict[str, Any]) -> int:
        req = {
            "verifier": "prm",
            "response": "",
            "reference": {"problem": row["problem"]},
            "options": {"steps": row["steps"], "backend": backend, "max_steps": 512},
            "timeout_s": 30,
        }
        async with sem:
            res = await engine.score(req)
        verdicts[res.verdict.value] += 1
        return int(res.details.get("first_error_step", -1))

    preds = list(await asyncio.gather(*(one(r) for r in rows)))
    print(f"  {backend} verdicts: {dict(verdicts)}")
    return preds


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--backend", action="append", help="symbolic (default), vllm, openai, transformers")
    ap.add_argument("--workers", type=int, default=2, help="worker processes for the symbolic checks")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--limit", type=int, default=0, help="first N rows of each split (0: all)")
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("processbench.py", args.markdown)
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    if args.limit:
        seen: dict[str, int] = defaultdict(int)
        rows = [
            r
            for r in rows
            if (seen.__setitem__(r["split"], seen[r["split"]] + 1) or seen[r["split"]]) <= args.limit
        ]
    out.line(f"ProcessBench: {len(rows)} solutions; per split: erroneous acc / correct acc / F1.")
    print(f"published (mean F1): {PUBLISHED}")
    table: list[tuple[str, ...]] = []
    report("floor: all correct", rows, [-1] * len(rows), table)
    report("naive `a+b=c`, `a*b=c`", rows, [quick_checker(r["steps"]) for r in rows], table)
    async with Engine(Settings(pool_workers=args.workers)) as engine:
        for backend in args.backend or ["symbolic"]:
            start = time.monotonic()
            preds = await run_backend(engine, rows, backend, args.concurrency)
            report(f"veriward `{backend}`", rows, preds, table)
            print(f"  {backend}: {time.monotonic() - start:.1f} s with {args.workers} worker processes")
    splits = [s for s in SPLITS if any(r["split"] == s for r in rows)]
    head = ("grader", *splits, "mean F1", "false alarms on correct")
    out.table(head, table, (False, *([True] * (len(splits) + 2))))
    out.write()


if __name__ == "__main__":
    asyncio.run(main())
