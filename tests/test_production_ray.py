"""Ray Serve scale-out on a local one-node Ray instance (127.0.0.1 only): requests spread over 2 replicas."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from conftest import free_port

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

pytestmark = pytest.mark.slow

_LOOPBACK_ONLY = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


@pytest.fixture(scope="module")
def ray_url() -> Iterator[str]:
    from veriward.server._ray import deployment, init_ray

    # A one-node cluster started the way `veriward serve --ray --host 127.0.0.1` starts it.
    saved = os.environ.get(_LOOPBACK_ONLY)
    saved_address = os.environ.pop("RAY_ADDRESS", None)
    init_ray("127.0.0.1", num_cpus=2, log_to_driver=False, configure_logging=False)
    port = free_port()
    try:
        serve.start(http_options={"host": "127.0.0.1", "port": port})
        app = deployment(
            min_replicas=2,
            max_replicas=2,
            num_cpus=0.5,
            settings_overrides={"pool_workers": 1, "api_key": "ray-key"},
        )
        serve.run(app, name="veriward", route_prefix="/")
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.shutdown()
        ray.shutdown()
        if saved is None:
            os.environ.pop(_LOOPBACK_ONLY, None)
        else:
            os.environ[_LOOPBACK_ONLY] = saved
        if saved_address is not None:
            os.environ["RAY_ADDRESS"] = saved_address


def _score(url: str, i: int) -> httpx.Response:
    body = {"verifier": "math", "response": rf"\boxed{{{i}}}", "reference": str(i % 3), "id": str(i)}
    return httpx.post(f"{url}/v1/score", json=body, headers={"Authorization": "Bearer ray-key"}, timeout=60)


def test_requests_spread_over_two_replicas(ray_url: str) -> None:
    with ThreadPoolExecutor(16) as pool:
        responses: list[Any] = list(pool.map(lambda i: _score(ray_url, i), range(120)))
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    for i, r in enumerate(responses):
        body = r.json()
        assert body["id"] == str(i)
        assert body["verdict"] == ("correct" if i == i % 3 else "incorrect")
    replicas = {r.headers["x-veriward-replica"] for r in responses}
    assert len(replicas) == 2, replicas


def test_a_local_cluster_without_ray_auth_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Ray cannot keep its own ports on loopback; without its token auth they would be open to the network.
    from veriward.server._ray import RayExposed, init_ray

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    with pytest.raises(RayExposed, match="RAY_AUTH_MODE"):
        init_ray("127.0.0.1")


def test_what_a_local_cluster_exposes_is_token_protected_or_metrics(ray_url: str) -> None:
    from veriward.server._ray import _listening_beyond_loopback

    exposed = _listening_beyond_loopback()
    assert exposed, "the check sees Ray's ports"
    for ip, port, name in exposed:
        host = "127.0.0.1" if ip in ("0.0.0.0", "::") else ip
        try:
            r = httpx.get(f"http://{host}:{port}/", timeout=3)
        except httpx.HTTPError:
            continue  # gRPC: Ray's token interceptor guards it
        assert r.status_code == 401 or r.text.startswith("# HELP"), (name, port, r.status_code, r.text[:100])


def test_replicas_keep_their_limits(ray_url: str) -> None:
    assert httpx.post(f"{ray_url}/v1/score", json={}, timeout=30).status_code == 401
    assert httpx.get(f"{ray_url}/healthz", timeout=30).status_code == 200


def test_autoscales_from_one_to_two_replicas_on_queue_depth(ray_url: str) -> None:
    from veriward.server._ray import deployment

    app = deployment(
        min_replicas=1,
        max_replicas=2,
        target_queue=1,
        num_cpus=0.5,
        settings_overrides={"pool_workers": 1, "max_queue_per_scorer": 4096},
        autoscaling_overrides={"look_back_period_s": 12, "upscale_delay_s": 0},
    )
    serve.run(app, name="veriward-autoscaled", route_prefix="/auto")
    batch = {"requests": [{"verifier": "math", "response": r"\boxed{5}", "reference": "5"}] * 300}
    seen: set[str] = set()
    deadline = time.monotonic() + 120

    def worker() -> None:
        while len(seen) < 2 and time.monotonic() < deadline:
            r = httpx.post(f"{ray_url}/auto/v1/score/batch", json=batch, timeout=120)
            assert r.status_code == 200, r.text
            assert {x["verdict"] for x in r.json()["results"]} == {"correct"}
            seen.add(r.headers["x-veriward-replica"])

    try:
        with ThreadPoolExecutor(6) as pool:
            for f in [pool.submit(worker) for _ in range(6)]:
                f.result()
    finally:
        serve.delete("veriward-autoscaled")
    # Six batches always queued against a target of one per replica: Ray added the second replica.
    assert len(seen) == 2, seen
