"""Agreement with human labels on real model outputs, through the HTTP API, beside Math-Verify 0.9.0.

    python benchmarks/math_real_outputs.py [--data PATH] [--workers 2] [--no-peer] [--show N]

`../shared/benchmarks/math/real_outputs.jsonl`: 3,185 ProcessBench solutions with their sources' gold
answers and the human `final_answer_correct` label. veriward is a real server (uvicorn on loopback, the
default settings but `--workers` pool processes) sent batches of 64; Math-Verify runs in this process
(`verify(parse("$gold$"), parse(response))`, its defaults, as the data's README measures it). Prints the
agreement per split for both, and each of veriward's disagreements with its verdict and reason (the labels
and golds are noisy: see that README).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "math" / "real_outputs.jsonl"
SPLITS = ("gsm8k", "math", "olympiadbench", "omnimath")


def serve(workers: int) -> tuple[str, Any]:
    import uvicorn

    from veriward.server import create_app
    from veriward.settings import Settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(Settings(pool_workers=workers)), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline:
            sys.exit("server did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def veriward_verdicts(url: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import httpx

    out: list[dict[str, Any]] = []
    with httpx.Client(base_url=url, timeout=600) as client:
        for i in range(0, len(rows), 64):
            reqs = [
                {"verifier": "math", "id": r["id"], "response": r["response"], "reference": r["reference"],
                 "timeout_s": 30}
                for r in rows[i : i + 64]
            ]  # fmt: skip
            resp = client.post("/v1/score/batch", json={"requests": reqs})
            resp.raise_for_status()
            out += resp.json()["results"]
    return out


def math_verify_verdict(gold: str, response: str) -> bool:
    from math_verify import parse, verify

    try:
        return bool(verify(parse(f"${gold}$"), parse(response)))
    except Exception:
        return False


def table(name: str, rows: list[dict[str, Any]], got: list[bool]) -> None:
    agree, total = Counter(), Counter()
    for r, g in zip(rows, got, strict=True):
        total[r["split"]] += 1
        agree[r["split"]] += g == r["final_answer_correct"]
    per = "  ".join(
        f"{s} {agree[s]}/{total[s]} ({100 * agree[s] / total[s]:.1f}%)" for s in SPLITS if total[s]
    )
    n, a = sum(total.values()), sum(agree.values())
    print(f"{name:<20} {a}/{n} = {100 * a / n:.2f}%   {per}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--show", type=int, default=200, help="disagreements to print")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    url, server = serve(args.workers)
    t0 = time.monotonic()
    results = veriward_verdicts(url, rows)
    ours_s = time.monotonic() - t0
    server.should_exit = True
    ours = [r["verdict"] == "correct" for r in results]
    verdicts = Counter(r["verdict"] for r in results)
    print(f"{len(rows)} real outputs; veriward through HTTP in {ours_s:.1f} s ({args.workers} workers)")
    print(f"veriward verdicts: {dict(verdicts)}")
    table("veriward", rows, ours)
    if not args.no_peer:
        t0 = time.monotonic()
        theirs = [math_verify_verdict(r["reference"], r["response"]) for r in rows]
        table("Math-Verify 0.9.0", rows, theirs)
        print(f"(Math-Verify {time.monotonic() - t0:.1f} s in this process)")
    shown = 0
    for r, res, g in zip(rows, results, ours, strict=True):
        if g != r["final_answer_correct"] and shown < args.show:
            shown += 1
            ext = str(res.get("details", {}).get("extracted", ""))[:70]
            label = r["final_answer_correct"]
            print(f"  {r['id']:<18} label={label!s:<5} {res['verdict']:<9} gold={r['reference'][:40]!r}")
            print(f"      got={ext!r} ({res['reason'][:80]})")


if __name__ == "__main__":
    main()
