"""Pathological answers: veriward beside Math-Verify 0.9.0 on the same inputs, same run.

    python benchmarks/math_dos.py [--budget 3] [--peer-limit 12] [--reference 3]

`--reference No` sends the inputs against a yes/no reference, where a proof's conclusion is read too.

veriward runs through the library (`SyncEngine`, a 3 s budget enforced by killing the worker);
Math-Verify runs in a child process (its own 5 s signal timeouts on, defaults otherwise) that is killed
after `--peer-limit` seconds if it has not answered.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _report import Report, add_markdown_arg
from test_math_dos import DOS_INPUTS  # the same inputs as the test


def _peer(response: str, reference: str, out: mp.Queue) -> None:
    import logging
    import os

    from math_verify import parse, verify

    logging.disable(logging.CRITICAL)  # it logs every timeout with the whole input
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)

    try:
        out.put(str(bool(verify(parse(reference), parse(response)))))
    except Exception as exc:
        out.put(f"error: {type(exc).__name__}")


def peer(response: str, reference: str, limit: float) -> tuple[str, float]:
    q: mp.Queue = mp.Queue()
    p = mp.get_context("fork").Process(target=_peer, args=(response, reference, q))
    t = time.monotonic()
    p.start()
    p.join(limit)
    elapsed = time.monotonic() - t
    if p.is_alive():
        p.kill()
        p.join()
        return f"killed after {limit:g} s", elapsed
    return (q.get() if not q.empty() else f"exit {p.exitcode}"), elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--budget", type=float, default=3.0)
    ap.add_argument("--peer-limit", type=float, default=12.0)
    ap.add_argument("--reference", default="3")
    add_markdown_arg(ap)
    args = ap.parse_args()
    out = Report("math_dos.py", args.markdown)
    import math_verify  # noqa: F401 - imported once here, so forked children start warm

    from veriward._sync import SyncEngine
    from veriward.settings import Settings

    rows = []
    with SyncEngine(Settings(default_timeout_s=args.budget)) as eng:
        eng.score({"verifier": "math", "response": r"\boxed{1}", "reference": "1"})
        for name, text in DOS_INPUTS.items():
            t = time.monotonic()
            r = eng.score({"verifier": "math", "response": text, "reference": args.reference})
            ours = time.monotonic() - t
            theirs, their_s = peer(text, args.reference, args.peer_limit)
            verdict = f"{r.verdict.value} ({r.reason[:40]})"
            rows.append((name, len(text), verdict, f"{ours:.2f}", theirs, f"{their_s:.2f}"))
    out.line(f"Budget {args.budget:g} s; reference {args.reference!r}.")
    head = ("input", "chars", "veriward", "s", "Math-Verify 0.9.0", "s")
    out.table(head, rows, (False, True, False, True, False, True))
    out.write()


if __name__ == "__main__":
    main()
