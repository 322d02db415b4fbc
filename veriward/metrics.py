"""Prometheus metrics: one registry per app, reachable from scorer code through the request's context.

Scorer and sandbox code records events with the module functions below; they count against the app
serving the current request (or whose startup created the calling task) and do nothing outside a server
(library and CLI use). From a worker thread, start it with `asyncio.to_thread`, which carries the context:

- `sandbox_run(backend)`: one program run started in a sandbox (`backend` e.g. "docker", "process").
- `sandbox_failure(backend, kind)`: the sandbox itself failed (`kind` e.g. "container_died", "daemon").
- `sandbox_timeout(backend)`: a sandboxed run hit its wall-clock budget and was killed.
- `worker_restart(kind)`: a worker process (other than the scoring pool's, counted by the engine) was
  replaced, e.g. a REPL pool member.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

_current: contextvars.ContextVar[Metrics | None] = contextvars.ContextVar("veriward_metrics", default=None)


class _Live(Collector):
    """Values read at scrape time from the running engine (queue depth, pool worker restarts)."""

    def __init__(self) -> None:
        self.queue_depth: Callable[[], dict[str, int]] = dict
        self.pool_restarts: Callable[[], int] = lambda: 0

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "veriward_queue_depth", "Requests admitted and not yet finished, per scorer.", labels=["verifier"]
        )
        for name, n in sorted(self.queue_depth().items()):
            depth.add_metric([name], n)
        yield depth
        restarts = CounterMetricFamily(
            "veriward_pool_worker_restarts", "Scoring-pool workers killed or lost and replaced."
        )
        restarts.add_metric([], self.pool_restarts())
        yield restarts


class Metrics:
    """All of one app's metrics, in their own registry so that several apps can share a process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "veriward_http_requests", "HTTP requests answered.", ["path", "method", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "veriward_http_request_duration_seconds",
            "HTTP request latency, body parsing included.",
            ["path"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.verdicts = Counter("veriward_verdicts", "Verdicts given.", ["verifier", "verdict"], registry=r)
        self.score_seconds = Histogram(
            "veriward_scoring_duration_seconds",
            "Time from a request's arrival to its verdict, per scorer.",
            ["verifier"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.rejected = Counter(
            "veriward_overloaded", "Requests refused with 429 because a scorer's queue was full.",
            ["verifier"], registry=r,
        )  # fmt: skip
        self.sandbox_runs = Counter("veriward_sandbox_runs", "Sandboxed runs.", ["backend"], registry=r)
        self.sandbox_failures = Counter(
            "veriward_sandbox_failures", "Sandbox infrastructure failures.", ["backend", "kind"], registry=r
        )
        self.sandbox_timeouts = Counter(
            "veriward_sandbox_timeouts", "Sandboxed runs killed at their budget.", ["backend"], registry=r
        )
        self.cache = Counter(
            "veriward_cache", "Result cache: hit, miss, dedup (shared an identical job in flight), error.",
            ["event"], registry=r,
        )  # fmt: skip
        self.groups = Counter("veriward_groups", "Groups scored.", ["verifier"], registry=r)
        self.uniform_groups = Counter(
            "veriward_groups_uniform",
            "Groups whose rewards were all equal (no advantage for GRPO); over veriward_groups_total.",
            ["verifier"],
            registry=r,
        )
        self.worker_restarts = Counter(
            "veriward_worker_restarts", "Other worker processes replaced.", ["kind"], registry=r
        )
        self.live = _Live()
        r.register(self.live)

    def bind(self, queue_depth: Callable[[], dict[str, int]], pool_restarts: Callable[[], int]) -> None:
        """Read the live gauges from a started engine."""
        self.live.queue_depth = queue_depth
        self.live.pool_restarts = pool_restarts

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def activate(self) -> contextvars.Token[Metrics | None]:
        """Make this the registry that the module functions record into, for the current context."""
        return _current.set(self)


def current() -> Metrics | None:
    """The metrics of the app serving the current request, if any."""
    return _current.get()


def deactivate(token: contextvars.Token[Metrics | None]) -> None:
    _current.reset(token)


def _inc(counter: str, **labels: Any) -> None:
    m = _current.get()
    if m is not None:
        getattr(m, counter).labels(**labels).inc()


def sandbox_run(backend: str) -> None:
    """Count one sandboxed run."""
    _inc("sandbox_runs", backend=backend)


def sandbox_failure(backend: str, kind: str) -> None:
    """Count one sandbox infrastructure failure (the verdict is `error`)."""
    _inc("sandbox_failures", backend=backend, kind=kind)


def sandbox_timeout(backend: str) -> None:
    """Count one sandboxed run killed at its budget."""
    _inc("sandbox_timeouts", backend=backend)


def worker_restart(kind: str) -> None:
    """Count one replaced worker process of a scorer's own pool."""
    _inc("worker_restarts", kind=kind)


def verdict(verifier: str, verdict: str, seconds: float) -> None:
    """Count one verdict and its latency (called by the engine)."""
    m = _current.get()
    if m is not None:
        m.verdicts.labels(verifier=verifier, verdict=verdict).inc()
        m.score_seconds.labels(verifier=verifier).observe(seconds)


def overloaded(verifier: str) -> None:
    """Count one request refused because `verifier`'s queue was full (called by the engine)."""
    _inc("rejected", verifier=verifier)


def cache_event(event: str) -> None:
    """Count one result-cache event: hit, miss, dedup or error."""
    _inc("cache", event=event)


def group(verifier: str, uniform: bool) -> None:
    """Count one scored group, and whether its rewards were all equal."""
    _inc("groups", verifier=verifier)
    if uniform:
        _inc("uniform_groups", verifier=verifier)
