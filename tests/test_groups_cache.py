"""Groups (one reference, N responses) with their stats, the result cache (dedup, hits, never timeouts),
and the scorer identity on every result. Real server on loopback, real Redis for the shared cache."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import LiveServer, free_port

from veriward.settings import Settings

RIGHT, WRONG = r"so \boxed{4}", r"so \boxed{5}"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    s = LiveServer(Settings(pool_workers=2, max_batch_size=64)).start()
    yield s
    s.stop()


def _metric(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{{want}}}" if want else f"{name} "):
            return float(line.split()[-1])
    return 0.0


def test_a_group_comes_back_in_order_with_its_stats(server: LiveServer) -> None:
    group = {
        "group_id": "p7",
        "verifier": "math",
        "reference": "4",
        "responses": [
            RIGHT,
            WRONG,
            RIGHT + "<|im_end|>",
            "  " + RIGHT + "\n",
            WRONG,
            "I could not solve this.",
        ],
    }
    with server.client() as c:
        r = c.post("/v1/score/batch", json={"groups": [group]})
    assert r.status_code == 200, r.text
    (g,) = r.json()["groups"]
    assert r.json()["results"] == []
    assert g["group_id"] == "p7"
    assert [x["id"] for x in g["results"]] == [f"p7/{i}" for i in range(6)]
    assert [x["verdict"] for x in g["results"]] == [
        "correct", "incorrect", "correct", "correct", "incorrect", "invalid",
    ]  # fmt: skip
    stats = g["stats"]
    assert stats["n"] == 6 and stats["min"] == 0.0 and stats["max"] == 1.0
    assert stats["mean"] == pytest.approx(0.5) and stats["std"] == pytest.approx(0.5)
    assert stats["verdicts"] == {"correct": 3, "incorrect": 2, "invalid": 1}
    assert not stats["uniform"]
    # The same answer after the scorer's normalisation (end-of-turn marker, whitespace) is one response.
    assert sorted(map(sorted, stats["duplicates"])) == [[0, 2, 3], [1, 4]]
    assert {x["details"].get("cache") for x in g["results"][2:4]} <= {"dedup", "hit"}


def test_uniform_groups_are_flagged_and_counted(server: LiveServer) -> None:
    with server.client() as c:
        before = c.get("/metrics").text
        body = {
            "groups": [
                {"verifier": "math", "reference": "9", "responses": [WRONG, r"\boxed{8}", "7"]},
                {"verifier": "math", "reference": "4", "responses": [RIGHT, WRONG]},
            ],
            "requests": [{"verifier": "math", "response": RIGHT, "reference": "4", "id": "flat"}],
        }
        r = c.post("/v1/score/batch", json=body).json()
        after = c.get("/metrics").text
    assert [g["stats"]["uniform"] for g in r["groups"]] == [True, False]
    assert r["results"][0]["id"] == "flat" and r["results"][0]["verdict"] == "correct"
    assert (
        _metric(after, "veriward_groups_total", verifier="math")
        - _metric(before, "veriward_groups_total", verifier="math")
        == 2
    )
    assert (
        _metric(after, "veriward_groups_uniform_total", verifier="math")
        - _metric(before, "veriward_groups_uniform_total", verifier="math")
        == 1
    )


def test_a_malformed_group_gets_its_own_error_and_the_cap_holds(server: LiveServer) -> None:
    with server.client() as c:
        r = c.post(
            "/v1/score/batch",
            json={
                "groups": [
                    {"verifier": "math", "reference": "4"},
                    {"verifier": "math", "reference": "4", "responses": [RIGHT]},
                ]
            },
        )
        assert r.status_code == 200
        bad, good = r.json()["groups"]
        assert bad["results"][0]["verdict"] == "error" and "groups.0.responses" in bad["results"][0]["reason"]
        assert good["results"][0]["verdict"] == "correct"
        big = {"verifier": "math", "reference": "4", "responses": [RIGHT] * 65}
        assert c.post("/v1/score/batch", json={"groups": [big]}).status_code == 422


def test_identical_requests_are_scored_once_and_hits_are_marked(server: LiveServer) -> None:
    req = {"verifier": "math", "response": r"\boxed{\frac{12345}{3}}", "reference": "4115"}
    with server.client() as c:
        before = c.get("/metrics").text
        batch = c.post("/v1/score/batch", json={"requests": [req] * 5}).json()["results"]
        again = c.post("/v1/score", json={**req, "id": "later"}).json()
        after = c.get("/metrics").text
    sources = [x["details"].get("cache") for x in batch]
    assert sources.count(None) == 1 and sources.count("dedup") == 4
    assert again["details"]["cache"] == "hit" and again["id"] == "later"
    assert {x["verdict"] for x in batch} == {again["verdict"]} == {"correct"}
    assert (
        _metric(after, "veriward_cache_total", event="hit")
        - _metric(before, "veriward_cache_total", event="hit")
        == 1
    )
    assert (
        _metric(after, "veriward_cache_total", event="dedup")
        - _metric(before, "veriward_cache_total", event="dedup")
        == 4
    )


def test_timeouts_and_errors_are_never_cached(server: LiveServer) -> None:
    req = {"verifier": "math", "response": r"\boxed{2}", "reference": "2", "timeout_s": 1e-9}
    with server.client() as c:
        first = c.post("/v1/score", json=req).json()
        second = c.post("/v1/score", json=req).json()
        real = c.post("/v1/score", json={**req, "timeout_s": 10}).json()
    assert first["verdict"] == second["verdict"] == "timeout"
    assert "cache" not in second["details"]
    assert real["verdict"] == "correct" and real["details"].get("cache") is None


def test_every_result_names_its_scorer_and_options_change_the_policy(server: LiveServer) -> None:
    base = {"verifier": "math", "response": r"\boxed{0.333333}", "reference": r"\frac13"}
    with server.client() as c:
        a = c.post("/v1/score", json=base).json()["scorer"]
        b = c.post("/v1/score", json={**base, "response": r"\boxed{1/3}"}).json()["scorer"]
        opt = c.post("/v1/score", json={**base, "options": {"min_sig_digits": 3}}).json()
        code = c.post("/v1/score", json={"verifier": "nope", "response": "x"})
    assert a["name"] == "math" and a["version"] and len(a["policy"]) == 16
    assert a == b  # the same scorer and options: the same policy, whatever the response
    assert opt["scorer"]["policy"] != a["policy"]
    assert code.status_code == 422


def test_a_failing_cache_is_skipped_and_counted() -> None:
    dead = free_port()  # nothing listens there
    s = LiveServer(Settings(pool_workers=1, cache_url=f"redis://127.0.0.1:{dead}/0")).start()
    try:
        with s.client() as c:
            r = c.post("/v1/score", json={"verifier": "math", "response": RIGHT, "reference": "4"})
            metrics = c.get("/metrics").text
    finally:
        s.stop()
    assert r.json()["verdict"] == "correct"
    assert _metric(metrics, "veriward_cache_total", event="error") >= 1


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A real Redis server on loopback (CI installs redis-server; elsewhere this test says it is missing)."""
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(10)


def _serve(url: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIWARD_")}
    env.update(VERIWARD_POOL_WORKERS="1", VERIWARD_CACHE_URL=url, VERIWARD_LOG_LEVEL="warning")
    cmd = [sys.executable, "-m", "veriward", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return base, proc
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)


def test_two_server_processes_share_hits_through_redis(redis_url: str) -> None:
    (a, pa), (b, pb) = _serve(redis_url), _serve(redis_url)
    req: dict[str, Any] = {"verifier": "math", "response": r"\boxed{\sqrt{16}}", "reference": "4"}
    try:
        first = httpx.post(a + "/v1/score", json=req, timeout=60).json()
        second = httpx.post(b + "/v1/score", json=req, timeout=60).json()
    finally:
        for p in (pa, pb):
            p.terminate()
            p.wait(60)
    assert first["verdict"] == second["verdict"] == "correct"
    assert "cache" not in first["details"] and second["details"]["cache"] == "hit"


def test_the_clients_and_the_library_score_groups(server: LiveServer) -> None:
    from veriward import SyncEngine
    from veriward.client import Client

    group = {"verifier": "math", "reference": "4", "responses": [RIGHT, WRONG, RIGHT], "group_id": "q"}
    with Client(server.url, batch_size=2) as client:
        remote = client.score_groups([group, {**group, "group_id": "q2"}])
    with SyncEngine(Settings(pool_workers=1)) as engine:
        local = engine.score_groups([group])
    for g in (remote[0], remote[1], local[0]):
        assert [r.verdict.value for r in g.results] == ["correct", "incorrect", "correct"]
        assert g.stats.duplicates == [[0, 2]] and g.stats.mean == pytest.approx(2 / 3)
    assert [g.group_id for g in remote] == ["q", "q2"]
    with Client(f"http://127.0.0.1:{free_port()}", max_attempts=1, deadline_s=2) as dead:
        (failed,) = dead.score_groups([group])
    assert {r.verdict.value for r in failed.results} == {"error"} and failed.stats.n == 3
