"""Hostile requests must not stall the server: while each runs, /healthz keeps answering within 100 ms,
and the hostile request itself answers within its budget with a verdict that is not `error`.

Each case is a class of input that once ran super-linear work on the event loop (the PRM step splitter,
the code fence extraction, the audit's pattern checks) or outside the killable workers.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import LiveServer

from veriward.settings import Settings

BUDGET_S = 3.0
CODE_REF = {"language": "python", "entry_point": "f", "cases": [{"args": [1], "expected": 2}]}
HOSTILE: dict[str, tuple[str, dict[str, Any]]] = {
    "prm-whitespace": ("/v1/score", {"verifier": "prm", "response": "\n \t" * 1000}),
    "prm-many-steps": ("/v1/score", {"verifier": "prm", "response": "\n\n".join(["x = 1"] * 20000)}),
    "prm-nested-frac": ("/v1/score", {"verifier": "prm", "response": r"\frac{" * 3000 + "1" + "}" * 3000}),
    "code-fences": (
        "/v1/score",
        {"verifier": "code", "response": "```python\n" * 4000, "reference": CODE_REF},
    ),
    "math-boxes": ("/v1/score", {"verifier": "math", "response": "\\boxed" * 13000, "reference": "1"}),
    "math-braces": ("/v1/score", {"verifier": "math", "response": "{" * 50000, "reference": "1"}),
    "audit-boxes": (
        "/v1/audit",
        {"rollouts": [{"verifier": "math", "response": "\\boxed" * 13000, "reference": "1", "reward": 0}]},
    ),
}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    s = LiveServer(Settings(pool_workers=2, default_timeout_s=BUDGET_S, prm_backend="symbolic")).start()
    yield s
    s.stop()


def _probe(url: str, stop: threading.Event, out: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=10) as c:
        while not stop.is_set():
            t0 = time.monotonic()
            assert c.get("/healthz").status_code == 200
            out.append(time.monotonic() - t0)
            time.sleep(0.02)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_request_does_not_stall_the_server(server: LiveServer, case: str) -> None:
    path, body = HOSTILE[case]
    if "verifier" in body:
        body = {**body, "timeout_s": BUDGET_S}
    latencies: list[float] = []
    stop = threading.Event()
    prober = threading.Thread(target=_probe, args=(server.url, stop, latencies))
    prober.start()
    time.sleep(0.1)
    t0 = time.monotonic()
    try:
        r = httpx.post(server.url + path, json=body, timeout=60)
    finally:
        took = time.monotonic() - t0
        stop.set()
        prober.join()
    assert r.status_code in (200, 422), r.text[:300]
    if path == "/v1/score" and r.status_code == 200:
        assert r.json()["verdict"] != "error", r.json()
        assert took < BUDGET_S + 2.0, f"{case} answered after {took:.1f} s"
    assert latencies, "no health probe ran"
    slow = [x for x in latencies if x > 0.1]
    assert len(slow) <= max(1, len(latencies) // 10), (case, statistics.median(latencies), max(latencies))
    assert max(latencies) < 0.5, (case, max(latencies))
