"""Rollouts per second for math rollouts: the async HTTP client against a local server, beside the
library called in-process, in the same run.

    python benchmarks/client_throughput.py [--n 2000] [--batch-size 32] [--concurrency 8]

The server is `veriward serve` in its own process on 127.0.0.1 with default settings; the in-process
floor is `Engine.score_batch` on the same rollouts with the same settings. Also shown: the client with
one rollout per request (no batching). Every path must return the same scores, or the run fails.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from typing import Any

from _report import Report, add_markdown_arg
from _server import free_port, wait_healthy

from veriward.client import AsyncClient
from veriward.engine import Engine
from veriward.models import ScoreResult


def rollouts(n: int) -> list[dict[str, Any]]:
    """Math rollouts, 2 of 3 right, with distinct numbers so that nothing can be cached."""
    out = []
    for i in range(n):
        answer = i + 2
        given = answer if i % 3 else answer + 1
        response = f"We add the parts step by step and get {given}. The answer is \\boxed{{{given}}}."
        out.append({"verifier": "math", "response": response, "reference": str(answer), "id": str(i)})
    return out


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "veriward", "serve", "--port", str(port), "--log-level", "warning"]
    env = {k: v for k, v in os.environ.items() if k != "VERIWARD_API_KEY"}
    proc = subprocess.Popen(cmd, env=env)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(proc, url, "the server")
    return proc, url


async def in_process(items: list[dict[str, Any]]) -> tuple[float, list[ScoreResult]]:
    async with Engine() as engine:
        await engine.score_batch(items[:50])  # warm the worker pool, as the server's is warm
        started = time.perf_counter()
        results = await engine.score_batch(items)
        return time.perf_counter() - started, results


async def through_client(url: str, items: list[dict[str, Any]], **kw: Any) -> tuple[float, list[ScoreResult]]:
    async with AsyncClient(url, **kw) as client:
        await client.score_many(items[:50])  # open the pooled connections first
        started = time.perf_counter()
        results = await client.score_many(items)
        return time.perf_counter() - started, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--concurrency", type=int, default=8)
    add_markdown_arg(parser)
    args = parser.parse_args()
    out = Report("client_throughput.py", args.markdown)
    items = rollouts(args.n)

    proc, url = start_server()
    try:
        runs = {
            "library in-process (`Engine.score_batch`)": asyncio.run(in_process(items)),
            f"async client, batches of {args.batch_size}, {args.concurrency} in flight": asyncio.run(
                through_client(url, items, batch_size=args.batch_size, max_concurrency=args.concurrency)
            ),
            f"async client, 1 rollout per request, {args.concurrency} in flight": asyncio.run(
                through_client(url, items, batch_size=1, max_concurrency=args.concurrency)
            ),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    expected = [r.score for r in next(iter(runs.values()))[1]]
    out.line(f"{args.n} math rollouts, {os.cpu_count()} CPUs, server and client on this machine.")
    table = []
    for name, (seconds, results) in runs.items():
        if [r.score for r in results] != expected:
            print(f"MISMATCH: {name} returned different scores")
            return 1
        table.append((name, f"{seconds:.2f}", f"{args.n / seconds:.0f}"))
    out.table(("path", "seconds", "rollouts/s"), table, (False, True, True))
    correct = sum(1 for s in expected if s == 1.0)
    out.line(f"All paths agree: {correct} correct, {args.n - correct} incorrect.")
    out.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
