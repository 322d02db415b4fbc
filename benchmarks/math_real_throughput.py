"""Throughput on the real outputs, one core, end to end: `veriward score --input` beside Math-Verify 0.9.0.

    python benchmarks/math_real_throughput.py [--cpu 0] [--data PATH] [--limit N]

Both run as fresh processes pinned to the same CPU (`taskset`), alternating (best of `--rounds`), on the 3,185
(response, gold) pairs of `real_outputs.jsonl`: veriward as the CLI a user runs (`veriward score --input
FILE --output FILE`, one pool worker: its start-up, the fork server, validation and IPC all count), and
Math-Verify as a loop over `verify(parse("$gold$"), parse(response))` in one process (its import counts).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "math" / "real_outputs.jsonl"
_PEER = """
import json, sys
from math_verify import parse, verify
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    try:
        verify(parse("$" + d["reference"] + "$"), parse(d["response"]))
    except Exception:
        pass
    n += 1
print(n)
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpu", type=int, default=None)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs of each; the best of each counts")
    args = ap.parse_args()
    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    rows = [json.loads(x) for x in args.data.read_text().splitlines() if x.strip()]
    rows = rows[: args.limit] if args.limit else rows
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "requests.jsonl"
        req.write_text(
            "".join(
                json.dumps({"verifier": "math", "id": r["id"], "response": r["response"],
                            "reference": r["reference"], "timeout_s": 60}) + "\n"
                for r in rows
            )
        )  # fmt: skip
        env = dict(os.environ, VERIWARD_POOL_WORKERS="1")
        pin = ["taskset", "-c", str(cpu)]
        cli = [
            *pin,
            sys.executable,
            "-m",
            "veriward",
            "score",
            "--input",
            str(req),
            "--output",
            str(Path(tmp) / "o"),
        ]
        peer = [*pin, sys.executable, "-c", _PEER, str(req)]
        runs = [(timed(cli, env), timed(peer, env)) for _ in range(max(1, args.rounds))]  # load falls on both
        ours, theirs = min(r[0] for r in runs), min(r[1] for r in runs)
        verdicts = [json.loads(x)["verdict"] for x in (Path(tmp) / "o").read_text().splitlines()]
    n = len(rows)
    print(
        f"{n} real outputs, one core (CPU {cpu}), fresh processes, wall clock end to end, best of {len(runs)}"
    )
    print(f"veriward score --input   {ours:7.1f} s  {n / ours:7.1f} pairs/s  ({len(verdicts)} results)")
    print(f"Math-Verify 0.9.0 loop   {theirs:7.1f} s  {n / theirs:7.1f} pairs/s")
    print(f"veriward / Math-Verify: {theirs / ours:.2f}x pairs/s")


if __name__ == "__main__":
    main()
