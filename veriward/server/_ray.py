"""Scale-out on Ray Serve: replicas of the whole service behind Ray's HTTP proxy.

Each replica is the full app (engine, worker pool, limits, keys, metrics) built on the replica itself.
Ray's autoscaler counts each replica's ongoing requests (queued at the replica plus running), which is
the service's queue depth, and adds or removes replicas to keep it near `target_queue`. Past
`max_queued` requests waiting for a replica, Ray answers 503 instead of piling them up.

    veriward serve --ray --host 127.0.0.1 --port 8000 --replicas 2 --max-replicas 8
    serve run veriward.server._ray:app_builder min_replicas=2 max_replicas=8   # Ray's own CLI
"""

from __future__ import annotations

import logging
import os
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veriward.server.app import create_app
from veriward.settings import Settings

REPLICA_HEADER = b"x-veriward-replica"
log = logging.getLogger("veriward.server")


class _ReplicaHeader:
    """Names the replica that answered, so that clients and tests can see the spread."""

    def __init__(self, app: ASGIApp, replica: str) -> None:
        self.app = app
        self.replica = replica.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (REPLICA_HEADER, self.replica)]
            await send(message)

        await self.app(scope, receive, tagged if scope["type"] == "http" else send)


def _replica_name() -> str:
    from ray import serve

    try:
        return str(serve.get_replica_context().replica_id.unique_id)
    except Exception:  # outside a replica (a direct call in tests)
        return f"pid-{os.getpid()}"


def build_app(settings_overrides: dict[str, Any] | None = None) -> FastAPI:
    """The app of one replica: settings from the replica's environment plus `settings_overrides`."""
    app = create_app(Settings(**(settings_overrides or {})))
    app.add_middleware(_ReplicaHeader, replica=_replica_name())
    return app


def deployment(
    min_replicas: int = 2,
    max_replicas: int = 8,
    target_queue: float = 32,
    max_queued: int = 1024,
    num_cpus: float = 1.0,
    settings_overrides: dict[str, Any] | None = None,
    autoscaling_overrides: dict[str, Any] | None = None,
) -> Any:
    """A bound Ray Serve application of the service, autoscaled on queue depth.

    `autoscaling_overrides` go into Ray's `autoscaling_config` (e.g. `look_back_period_s`).
    """
    from ray import serve

    def replica_app() -> FastAPI:  # a plain function: Ray calls it on each replica
        return build_app(settings_overrides)

    @serve.deployment(
        name="veriward",
        autoscaling_config={
            "min_replicas": min_replicas,
            "initial_replicas": min_replicas,
            "max_replicas": max(min_replicas, max_replicas),
            "target_ongoing_requests": target_queue,
            "upscale_delay_s": 5,
            "downscale_delay_s": 60,
            **(autoscaling_overrides or {}),
        },
        max_ongoing_requests=int(target_queue * 4),
        max_queued_requests=max_queued,
        ray_actor_options={"num_cpus": num_cpus},
        health_check_period_s=10,
    )
    @serve.ingress(replica_app)
    class VeriwardReplica:
        pass

    return VeriwardReplica.bind()  # type: ignore[attr-defined]


def app_builder(args: dict[str, str]) -> Any:
    """For `serve run veriward.server._ray:app_builder key=value ...` (min_replicas, max_replicas,
    target_queue, max_queued, num_cpus)."""
    return deployment(
        min_replicas=int(args.get("min_replicas", 2)),
        max_replicas=int(args.get("max_replicas", 8)),
        target_queue=float(args.get("target_queue", 32)),
        max_queued=int(args.get("max_queued", 1024)),
        num_cpus=float(args.get("num_cpus", 1)),
    )


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class RayExposed(RuntimeError):
    """A local Ray cluster would listen beyond loopback without Ray's token authentication."""


def init_ray(host: str, **ray_options: Any) -> list[tuple[str, int, str]]:
    """Join the cluster in RAY_ADDRESS, or start a local one; returns what it exposes beyond loopback.

    Only the HTTP proxy binds to `host`. Ray itself (2.60) cannot keep a local cluster on loopback: it
    resolves 127.0.0.1 to the node's address and its GCS, raylet, worker, agent and metrics ports listen
    there or on all interfaces. So a local cluster is refused unless Ray's token authentication is on
    (its default; `RAY_AUTH_MODE=disabled` turns it off), and every port that listens beyond loopback is
    logged at start. Ray's metrics exporters answer without a token: firewall the node, or run Ray on a
    private network. (`/-/routes` and `/-/healthz` are answered by Ray's proxy before any key is checked;
    they list route prefixes and health only.)
    """
    import ray

    address = os.environ.get("RAY_ADDRESS")
    if address is None and os.environ.get("RAY_AUTH_MODE", "").lower() == "disabled":
        raise RayExposed(
            "RAY_AUTH_MODE=disabled: a local Ray cluster would serve its internal ports on the node's "
            "network without authentication; unset it, or point RAY_ADDRESS at a cluster you secured"
        )
    ray.init(address=address, include_dashboard=False, **ray_options)
    exposed = [] if address is not None else _listening_beyond_loopback()
    if exposed and host in _LOOPBACK:
        log.warning(
            "serving on %s, but Ray's own ports listen beyond loopback (token-protected, metrics open): %s",
            host,
            ", ".join(f"{name} {ip}:{port}" for ip, port, name in exposed),
        )
    return exposed


def _listening_beyond_loopback() -> list[tuple[str, int, str]]:
    import psutil

    out = []
    for proc in psutil.Process().children(recursive=True):
        try:
            conns, name = proc.net_connections(kind="inet"), proc.name()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        out += [
            (c.laddr.ip, c.laddr.port, name)
            for c in conns
            if c.status == psutil.CONN_LISTEN and c.laddr.ip not in ("127.0.0.1", "::1")
        ]
    return sorted(out)


def serve_on_ray(host: str, port: int, min_replicas: int, max_replicas: int) -> int:
    """Run the service on the Ray cluster in RAY_ADDRESS (or a new local one) until interrupted."""
    from ray import serve

    init_ray(host)
    serve.start(http_options={"host": host, "port": port})
    try:
        serve.run(deployment(min_replicas, max_replicas), name="veriward", route_prefix="/", blocking=True)
    except KeyboardInterrupt:  # Ctrl-C or SIGINT: replicas shut down (and drain) with Serve
        serve.shutdown()
    return 0
