"""The one scoring path shared by the library, the CLI and the server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from veriward import metrics, verifiers
from veriward._cache import make_cache
from veriward._dedup import Decision, Deduper
from veriward._groups import expand, group_stats, parse_group, responses_in
from veriward._jobs import Job, make_result, validate
from veriward._json import find_problem, sanitize
from veriward._pool import WorkerPool
from veriward.errors import Overloaded, RequestError
from veriward.models import GroupRequest, GroupResult, ScoreRequest, ScoreResult, Verdict, VerifierInfo
from veriward.settings import Settings, get_settings
from veriward.verifiers.base import AsyncVerifier, BaseVerifier, Context, Outcome

# An in-process scorer gets this long past its deadline to stop by itself before it is abandoned.
_GRACE_S = 0.5


class Engine:
    """Validates requests and runs scorers under their budgets. Use as an async context manager.

    The engine owns its scorer instances: one of each registered scorer, made at `start` (or on first
    use, for a scorer registered later) and closed at `close`; no two engines share one.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._pool: WorkerPool | None = None
        self._scorers: dict[str, BaseVerifier] = {}
        self._started: list[BaseVerifier] = []
        # Backpressure: requests admitted (queued or running) per scorer, bounded by max_queue_per_scorer.
        self._admitted: dict[str, int] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}  # per scorer, for batch items
        self._mean_s: dict[str, float] = {}  # moving average of latency, for Retry-After
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = asyncio.Event()  # set at shutdown's deadline: unfinished jobs answer `error`
        self._dedup = Deduper(None)  # its cache is made at start

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        s = self.settings
        self._pool = WorkerPool(s.pool_workers, s.pool_max_tasks, s.worker_memory_mb)
        await self._pool.start()
        self._dedup.cache = make_cache(s.cache_url, s.cache_size, s.cache_ttl_s)
        for name in verifiers.names():
            v = self.scorer(name)
            await v.startup(s)
            self._started.append(v)

    async def close(self) -> None:
        for v in self._started:
            await v.shutdown()
        self._started.clear()
        self._scorers.clear()
        if self._dedup.cache is not None:
            await self._dedup.cache.close()
            self._dedup.cache = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def stop_at(self, delay: float) -> None:
        """Shutdown has begun: jobs still unfinished `delay` seconds from now answer `error` (retryable)
        instead of being cut off with their connection, so every response is complete in time."""
        asyncio.get_running_loop().call_later(max(0.0, delay), self._stopping.set)

    async def drain(self, timeout: float) -> bool:
        """Wait until every admitted request has its verdict; False if `timeout` ran out first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
            return True
        except TimeoutError:
            return False

    def health(self) -> dict[str, Any]:
        """Whether this engine can score now: its worker pool's state (what `/healthz` reports)."""
        if self._pool is None:
            return {"ok": False, "error": "engine not started"}
        return self._pool.health()

    def pool_restarts(self) -> int:
        return self._pool.restarts if self._pool is not None else 0

    def queue_depth(self) -> dict[str, int]:
        """Admitted, unfinished requests per scorer."""
        return dict(self._admitted)

    def _admit(self, jobs: list[Job], single: bool = False) -> None:
        """Reserve queue places for `jobs`, all or none; `Overloaded` if a scorer's queue is full.

        A scorer with nothing in flight admits any batch, so that a batch larger than the cap can run.
        A single request is also refused when the wait it would face (the queue ahead of it over the
        scorer's slots, times their mean run time) passes half of `max_queue_wait_s`: the client is told
        to come back (429) long before waiting could cost it an `error`.
        """
        want: dict[str, int] = {}
        for job in jobs:
            want[job.request.verifier] = want.get(job.request.verifier, 0) + 1
        cap = self.settings.max_queue_per_scorer
        for name, n in want.items():
            have = self._admitted.get(name, 0)
            wait = self._expected_wait(jobs[0].verifier, have) if single else 0.0
            if (have and have + n > cap) or wait > self.settings.max_queue_wait_s / 2:
                metrics.overloaded(name)
                # Little's law: a full queue turns over in about one mean latency (queueing included).
                raise Overloaded(
                    f"scorer {name!r} has {have} requests queued (limit {cap}); retry later",
                    retry_after=min(30.0, max(1.0, wait or self._mean_s.get(name, 1.0))),
                )
        for name, n in want.items():
            self._admitted[name] = self._admitted.get(name, 0) + n
        if want:
            self._idle.clear()

    def _expected_wait(self, verifier: BaseVerifier, queued: int) -> float:
        limit = verifier.concurrency(self.settings)
        if not limit or queued < limit:
            return 0.0
        return (queued - limit + 1) / limit * self._mean_s.get(verifier.name, 0.0)

    def _finished(self, name: str) -> None:
        left = self._admitted[name] - 1
        if left:
            self._admitted[name] = left
        else:
            del self._admitted[name]
        if not self._admitted:
            self._idle.set()

    @property
    def pool(self) -> WorkerPool:
        if self._pool is None:
            raise RuntimeError("engine not started")
        return self._pool

    def scorer(self, name: str) -> BaseVerifier:
        """This engine's instance of the scorer called `name`; `RequestError` if none is registered."""
        found = self._scorers.get(name)
        if found is None:
            found = self._scorers[name] = verifiers.create(name)
        return found

    # -- validation -------------------------------------------------------------------------------

    def validate(self, payload: ScoreRequest | Mapping[str, Any]) -> Job:
        """Check a request without running it; `RequestError` says what is wrong."""
        return validate(payload, self.settings, self.scorer)

    # -- running ----------------------------------------------------------------------------------

    async def run(self, job: Job, arrival: float | None = None, started: float | None = None) -> ScoreResult:
        """Score a validated job. Never raises: every failure is a verdict.

        `arrival` is when the request came in (for `elapsed_ms`); its budget counts from `started`, the
        moment it got a slot (default: now).
        """
        started = time.monotonic() if started is None else started
        arrival = started if arrival is None else arrival
        deadline = started + job.budget_s
        v = job.verifier
        try:
            if v.pooled or not isinstance(v, AsyncVerifier):
                outcome = await self.pool.run(
                    v.name, job.request.response, job.reference, job.options, deadline
                )
            else:
                ctx = Context(deadline=deadline, settings=self.settings, engine=self)
                coro = v.acheck(job.request.response, job.reference, job.options, ctx)
                outcome = await asyncio.wait_for(coro, timeout=max(0.0, ctx.remaining()) + _GRACE_S)
        except TimeoutError:
            outcome = Outcome.timeout(f"scoring exceeded its {job.budget_s:g} s budget")
        except Exception as exc:
            outcome = Outcome.error(f"scorer failed: {type(exc).__name__}: {str(exc)[:200]}")
        return self._result(job.request, outcome, arrival, scorer=job.scorer)

    async def score(
        self, payload: ScoreRequest | Mapping[str, Any], arrival: float | None = None
    ) -> ScoreResult:
        """Validate and score one request; raises `RequestError` if the request is malformed and
        `Overloaded` if its scorer's queue is full."""
        arrival = time.monotonic() if arrival is None else arrival
        job = self.validate(payload)
        self._admit([job], single=True)
        return await self._run_in_slot(job, arrival)

    async def score_batch(self, items: list[Any], arrival: float | None = None) -> list[ScoreResult]:
        """Score many requests concurrently, in order; a bad item gets its own `error` result."""
        if len(items) > self.settings.max_batch_size:
            raise RequestError(
                f"batch has {len(items)} requests; the limit is {self.settings.max_batch_size}",
                field="requests",
            )
        arrival = time.monotonic() if arrival is None else arrival
        checked: list[Job | ScoreResult] = []
        for item in items:
            try:
                checked.append(self.validate(item))
            except RequestError as exc:
                checked.append(self.rejected(item, exc, arrival))
        self._admit([c for c in checked if isinstance(c, Job)])

        async def one(c: Job | ScoreResult) -> ScoreResult:
            return c if isinstance(c, ScoreResult) else await self._run_in_slot(c, arrival)

        return list(await asyncio.gather(*(one(c) for c in checked)))

    async def score_groups(self, groups: list[Any], arrival: float | None = None) -> list[GroupResult]:
        """Score groups (one reference, N responses), in order: each with its results and stats.

        Identical responses are scored once (through the result cache's dedup); a malformed group gets
        one `error` result naming the field, a malformed response its own.
        """
        arrival = time.monotonic() if arrival is None else arrival
        size = responses_in(groups)
        if size > self.settings.max_batch_size:
            raise RequestError(
                f"groups hold {size} responses; the limit is {self.settings.max_batch_size}", field="groups"
            )
        parsed: list[GroupRequest | RequestError] = []
        for i, raw in enumerate(groups):
            try:
                parsed.append(parse_group(raw, i))
            except RequestError as exc:
                parsed.append(exc)
        flat = [item for g in parsed if isinstance(g, GroupRequest) for item in expand(g)]
        results = iter(await self.score_batch(flat, arrival))
        out = []
        for raw, g in zip(groups, parsed, strict=True):
            if isinstance(g, RequestError):
                bad = [self.rejected(raw if isinstance(raw, dict) else {}, g, arrival)]
                out.append(GroupResult(group_id=None, results=bad, stats=group_stats(bad, [""])))
                continue
            mine = [next(results) for _ in g.responses]
            verifier = self._scorers.get(g.verifier)
            normalized = [verifier.normalize(r) if verifier else r for r in g.responses]
            stats = group_stats(mine, normalized)
            metrics.group(g.verifier, stats.uniform)
            out.append(GroupResult(group_id=g.group_id, results=mine, stats=stats))
        return out

    async def score_item(self, item: Any, arrival: float | None = None) -> ScoreResult:
        """Score one request of a stream (the CLI's JSONL input): a bad one gets its own `error` result."""
        arrival = time.monotonic() if arrival is None else arrival
        try:
            job = self.validate(item)
        except RequestError as exc:
            return self.rejected(item, exc, arrival)
        self._admit([job])
        return await self._run_in_slot(job, arrival)

    async def _run_in_slot(self, job: Job, arrival: float) -> ScoreResult:
        """Run an admitted job, or share the decision of an identical one (in flight or cached)."""
        try:
            result = await self._dedup.decide(
                job.key,
                lambda: self._run_slotted(job, arrival),
                lambda decision, source: self._replay(job, decision, source, arrival),
            )
        finally:
            self._finished(job.verifier.name)
        metrics.verdict(job.request.verifier, result.verdict.value, result.elapsed_ms / 1000)
        return result

    def _replay(self, job: Job, decision: Decision, source: str, arrival: float) -> ScoreResult:
        details = {**decision.get("details", {}), "cache": source}
        outcome = Outcome(Verdict(decision["verdict"]), float(decision["score"]), decision["reason"], details)
        return self._result(job.request, outcome, arrival, scorer=decision.get("scorer") or job.scorer)

    async def _run_slotted(self, job: Job, arrival: float) -> ScoreResult:
        """Run a job once its scorer has a free slot; its budget starts then.

        Waiting is bounded apart from the budget: a job that cannot get a slot within
        `max_queue_wait_s` is `error` (the server was overloaded), never a `timeout` the candidate
        would be blamed for.
        """
        name = job.verifier.name
        limit = job.verifier.concurrency(self.settings)
        if limit is None:
            return await self._run_timed(job, arrival, time.monotonic())
        if self._stopping.is_set():
            return self._shutting_down(job, arrival)
        slot = self._slots.get(name)
        if slot is None:
            slot = self._slots[name] = asyncio.Semaphore(limit)
        try:
            await asyncio.wait_for(slot.acquire(), self.settings.max_queue_wait_s)
        except TimeoutError:
            metrics.overloaded(name)
            waited = time.monotonic() - arrival
            outcome = Outcome.error(f"overloaded: no free {name} slot after waiting {waited:.1f} s")
            return self._result(job.request, outcome, arrival, scorer=job.scorer)
        try:
            return await self._run_timed(job, arrival, time.monotonic())
        finally:
            slot.release()

    async def _run_timed(self, job: Job, arrival: float, started: float) -> ScoreResult:
        if self._stopping.is_set():
            return self._shutting_down(job, arrival)
        run = asyncio.ensure_future(self._run_measured(job, arrival, started))
        stop = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({run, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not run.done():
                run.cancel()
        if run.done() and not run.cancelled():
            return run.result()
        return self._shutting_down(job, arrival)

    def _shutting_down(self, job: Job, arrival: float) -> ScoreResult:
        outcome = Outcome.error("the server is shutting down; this item was not scored (retry it)")
        return self._result(job.request, outcome, arrival, scorer=job.scorer)

    async def _run_measured(self, job: Job, arrival: float, started: float) -> ScoreResult:
        result = await self.run(job, arrival, started)
        name = job.verifier.name
        run_s = time.monotonic() - started
        self._mean_s[name] = 0.9 * self._mean_s.get(name, run_s) + 0.1 * run_s
        return result

    def rejected(self, item: Any, exc: RequestError, arrival: float) -> ScoreResult:
        """The result for an item that could not even be validated."""
        raw = item if isinstance(item, Mapping) else {}
        req_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        req_id = req_id if req_id is not None and find_problem(req_id, "id") is None else None
        name = sanitize(raw.get("verifier"))[:100] if isinstance(raw.get("verifier"), str) else ""
        outcome = Outcome.error(f"bad request: {exc.message}", field=exc.field)
        return self._result(None, outcome, arrival, req_id=req_id, verifier=name)

    def _result(
        self,
        req: ScoreRequest | None,
        outcome: Outcome,
        arrival: float,
        req_id: str | None = None,
        verifier: str = "",
        scorer: dict[str, str] | None = None,
    ) -> ScoreResult:
        return make_result(req, outcome, arrival, req_id, verifier, scorer)

    def describe(self) -> list[VerifierInfo]:
        out = []
        for name in verifiers.names():
            v = self.scorer(name)
            out.append(
                VerifierInfo(
                    name=name,
                    description=v.description,
                    reference=v.reference_help,
                    options=v.options_model.model_json_schema(),
                    info=v.info(),
                )
            )
        return out
