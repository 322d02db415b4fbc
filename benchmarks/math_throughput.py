"""Math scoring throughput on one core: veriward beside Math-Verify 0.9.0, same pairs, same run.

    python benchmarks/math_throughput.py [--rounds 3] [--cpu 0] [--shared DIR]

The pairs are the labelled peer suites (Math-Verify's 270 pairs, whole model outputs included, and
NeMo-Skills' 62 bare answers). One untimed warm-up round runs first on each side (both use the same
ANTLR LaTeX grammar, whose parser tables fill up on first use, and sympy imports lazily); then result
caches (theirs, ours and sympy's own) are cleared before every timed round on both sides, so each pair is
scored cold; the two are
timed pair by pair in turn, so that load from other processes falls on both alike. Three figures:

- `veriward check()`: the scoring function a pool worker runs (`_worker.run_check`);
- `Math-Verify`: `verify(parse(gold), parse(pred))` with its defaults;
- `veriward library`: `SyncEngine.score` end to end (validation, a one-worker pool on the same core, IPC).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from _report import Report, add_markdown_arg
from sympy.core.cache import clear_cache

DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "math"
FILES = ("math_verify_cases.jsonl", "nemo_skills_math_equal_cases.jsonl")


def load_pairs(shared: Path) -> list[tuple[str, str]]:
    pairs = []
    for name in FILES:
        with (shared / name).open() as f:
            pairs += [(d["gold"], d["pred"]) for d in map(json.loads, f) if d]
    return pairs


Scorer = tuple[Callable[[str, str], object], Callable[[], None]]


def _summary(lat: list[float]) -> dict[str, float]:
    lat = sorted(lat)
    return {
        "pairs_s": len(lat) / sum(lat),
        "p50_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "max_ms": lat[-1] * 1000,
    }


def measure(scorers: list[Scorer], pairs: list[tuple[str, str]], rounds: int) -> list[dict[str, float]]:
    """Time every scorer on every pair, interleaved pair by pair so that load on a shared machine
    falls on all of them alike; caches are cleared before each round."""
    lat: list[list[float]] = [[] for _ in scorers]
    for _ in range(rounds):
        for _, clear in scorers:
            clear()
        for gold, pred in pairs:
            for k, (fn, _) in enumerate(scorers):
                t = time.perf_counter()
                fn(gold, pred)
                lat[k].append(time.perf_counter() - t)
    return [_summary(x) for x in lat]


def veriward_check() -> tuple[Callable[[str, str], object], Callable[[], None]]:
    from veriward import _worker
    from veriward.verifiers.math import MathOptions
    from veriward.verifiers.math._core import clear_caches

    opts = MathOptions()

    def fn(gold: str, pred: str) -> object:
        return _worker.run_check("math", pred, gold, opts)

    def clear() -> None:
        clear_caches()
        clear_cache()

    return fn, clear


def math_verify() -> tuple[Callable[[str, str], object], Callable[[], None]]:
    from math_verify import parse, verify
    from math_verify import parser as mv_parser

    def fn(gold: str, pred: str) -> object:
        try:
            return verify(parse(gold), parse(pred))
        except Exception:
            return False

    def clear() -> None:
        clear_cache()
        for name in ("parse_latex_cached", "parse_expr_cached"):
            f = getattr(mv_parser, name, None)
            if f is not None and hasattr(f, "cache_clear"):
                f.cache_clear()

    return fn, clear


def library(pairs: list[tuple[str, str]], rounds: int) -> dict[str, float]:
    from veriward._sync import SyncEngine
    from veriward.settings import Settings
    from veriward.verifiers.math._core import clear_caches

    with SyncEngine(Settings(pool_workers=1, pool_max_tasks=0)) as eng:

        def fn(gold: str, pred: str) -> object:
            return eng.score({"verifier": "math", "response": pred, "reference": gold})

        def clear() -> None:  # in the one worker process
            eng._call(eng.engine.pool.call(clear_caches, deadline=time.monotonic() + 30))

        measure([(fn, clear)], pairs, 1)  # warm-up
        return measure([(fn, clear)], pairs, rounds)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the first allowed)")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("math_throughput.py", args.markdown)
    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    pairs = load_pairs(args.shared)
    out.line(f"{len(pairs)} pairs x {args.rounds} rounds, pinned to one CPU, caches cleared each round.")
    scorers = [veriward_check(), math_verify()]
    measure(scorers, pairs, 1)  # warm-up, untimed
    ours, theirs = measure(scorers, pairs, args.rounds)
    rows = [
        ("veriward `check()` (what a pool worker runs)", ours),
        ("Math-Verify 0.9.0 `verify(parse(gold), parse(pred))`", theirs),
    ]
    rows.append(
        (
            "veriward library end to end (`SyncEngine.score`, one pool worker, IPC)",
            library(pairs, args.rounds),
        )
    )
    table = [(name, f"{r['pairs_s']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.0f}") for name, r in rows]
    out.table(("scorer", "pairs/s", "p50 ms", "p99 ms"), table, (False, True, True, True))
    ratio = rows[0][1]["pairs_s"] / rows[1][1]["pairs_s"]
    out.line(f"veriward check() / Math-Verify: {ratio:.2f}x pairs/s")
    out.write()


if __name__ == "__main__":
    main()
