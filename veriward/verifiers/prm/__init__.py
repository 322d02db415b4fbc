"""The PRM step grader: dense per-step rewards that padding cannot inflate (see the README's PRM section)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from veriward.errors import RequestError, ScorerUnavailable, WorkerDied
from veriward.settings import Settings, get_settings
from veriward.verifiers.base import AsyncVerifier, Context, Outcome
from veriward.verifiers.prm._aggregate import Aggregation
from veriward.verifiers.prm._analyse import MAX_STEPS_SCORED, Analysis, Request, analyse
from veriward.verifiers.prm._grade import grade, step_scores
from veriward.verifiers.prm._http import JsonClient
from veriward.verifiers.prm._split import SplitMode
from veriward.verifiers.prm._text import safe

__all__ = ["PrmOptions", "PrmReference", "PrmVerifier"]

BACKENDS = ("symbolic", "vllm", "openai", "transformers")


class PrmOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: list[Literal["symbolic", "vllm", "openai", "transformers"]] | None = Field(
        default=None, description="backends to combine (a string or a list); default: the server's"
    )
    aggregation: Aggregation = Field(default="min", description="min, product, mean or last step score")
    steps: list[str] | None = Field(default=None, max_length=MAX_STEPS_SCORED, description="pre-split steps")
    split: SplitMode = Field(
        default="auto", description="auto, blank_lines, step_markers, numbered, bullets, lines"
    )
    max_steps: int = Field(default=64, ge=1, le=MAX_STEPS_SCORED, description="later steps are not rewarded")
    dedupe_threshold: float = Field(default=0.8, gt=0, le=1, description="near-duplicate trigram share")
    unknown_score: float = Field(default=0.5, ge=0, le=1, description="symbolic score of an uncheckable step")
    threshold: float = Field(default=0.5, ge=0, le=1, description="a step scoring below it is wrong")

    @field_validator("backend", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = [p.strip() for p in v.split(",") if p.strip()]
        if isinstance(v, list) and not v:
            raise ValueError("at least one backend")
        if isinstance(v, list) and len(set(v)) != len(v):
            raise ValueError("a backend is listed twice")
        return v


class PrmReference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    problem: str = Field(default="", max_length=200_000)
    answer: str | None = Field(default=None, max_length=100_000)


def _backends(options: PrmOptions, settings: Settings) -> list[str]:
    if options.backend:
        return list(options.backend)
    names = [p.strip() for p in settings.prm_backend.split(",") if p.strip()]
    unknown = [n for n in names if n not in BACKENDS]
    if unknown or not names:
        raise ScorerUnavailable(f"VERIWARD_PRM_BACKEND names unknown backends {unknown}")
    return names


class PrmVerifier(AsyncVerifier):
    """Grades each step (symbolic claim checks, PRM models) and aggregates so that padding cannot help."""

    name = "prm"
    description = (
        "Process reward: grades each step of a solution (symbolic checks of its arithmetic and algebra, "
        "and/or a PRM served by vLLM, an OpenAI-compatible judge, or a local transformers model)."
    )
    reference_help = (
        "optional: an object {problem, answer} (answer: the gold final answer, checked with the math "
        "scorer), a string (the gold answer), or null"
    )
    options_model = PrmOptions

    def __init__(self) -> None:
        self._models: dict[str, Any] = {}  # model backends by kind, made on first use
        self._settings: Settings | None = None  # the owning engine's (startup), for info()

    def parse_reference(self, reference: Any) -> PrmReference:
        if reference is None:
            return PrmReference()
        if isinstance(reference, str):
            if not reference.strip():
                raise RequestError("reference (the gold answer) must not be empty", field="reference")
            return PrmReference(answer=safe(reference))
        if not isinstance(reference, dict):
            raise RequestError(
                "reference must be an object {problem, answer}, a string or null", field="reference"
            )
        # Lone surrogates (valid JSON escapes, not encodable text) become U+FFFD, as in the response.
        cleaned = {k: safe(v) if isinstance(v, str) else v for k, v in reference.items()}
        try:
            return PrmReference.model_validate(cleaned)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise RequestError(f"reference.{where}: {err['msg']}", field="reference") from None

    def _model(self, kind: str, s: Settings) -> Any:
        if kind in self._models:
            return self._models[kind]
        if kind == "transformers":
            from veriward.verifiers.prm._transformers import TransformersPrm

            if not s.prm_transformers_model:
                raise ScorerUnavailable("the transformers backend needs VERIWARD_PRM_TRANSFORMERS_MODEL")
            backend: Any = TransformersPrm(s.prm_transformers_model)
        else:
            url = s.prm_vllm_url if kind == "vllm" else s.prm_openai_url
            if not url:
                raise ScorerUnavailable(f"the {kind} backend needs VERIWARD_PRM_{kind.upper()}_URL")
            key_ = (
                s.prm_openai_api_key.get_secret_value() if s.prm_openai_api_key and kind == "openai" else ""
            )
            client = JsonClient(url, s.prm_http_timeout_s, s.prm_http_retries, s.prm_max_concurrency, key_)
            if kind == "vllm":
                from veriward.verifiers.prm._vllm import VllmPrm

                backend = VllmPrm(client, s.prm_vllm_model)
            else:
                from veriward.verifiers.prm._openai import OpenAIPrm

                backend = OpenAIPrm(client, s.prm_openai_model)
        self._models[kind] = backend
        return backend

    async def _analyse(
        self, response: str, ref: PrmReference, opts: PrmOptions, kinds: list[str], ctx: Context
    ) -> Analysis:
        """Splitting, claim checks, repeats and the gold-answer check, in a killable pool worker."""
        if ctx.engine is None:
            raise ScorerUnavailable("the PRM scorer needs an engine's worker pool")
        req = Request(
            response,
            opts.steps,
            opts.split,
            ref.problem,
            ref.answer,
            "symbolic" in kinds,
            opts.dedupe_threshold,
        )
        try:
            # A worker lost once is retried on a fresh one; lost twice, the response is what kills it.
            result: Analysis = await ctx.engine.pool.call(analyse, req, deadline=ctx.deadline, retry=True)
        except WorkerDied as exc:
            return Analysis(invalid=f"the response crashed the step analysis twice ({exc})")
        return result

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        ref: PrmReference = reference
        opts: PrmOptions = options
        started = time.monotonic()
        try:
            kinds = _backends(opts, ctx.settings)
            models = {kind: self._model(kind, ctx.settings) for kind in kinds if kind != "symbolic"}
            analysis = await self._analyse(response, ref, opts, kinds, ctx)
            if analysis.invalid:
                return Outcome.invalid(analysis.invalid)
            if analysis.timeout:
                return Outcome.timeout(analysis.timeout)
            if analysis.error:
                return Outcome.error(analysis.error)
            jobs = [backend.score(ref.problem, analysis.steps, ctx.deadline) for backend in models.values()]
            model_scores = dict(zip(models, await asyncio.gather(*jobs), strict=True))
        except TimeoutError as exc:
            return Outcome.timeout(f"step grading ran out of time: {exc}")
        except ScorerUnavailable as exc:
            return Outcome.error(str(exc))
        scores = step_scores(analysis.verdicts, model_scores, opts.unknown_score)
        extra = {
            "backends": kinds,
            "models": sorted(models),
            "elapsed_s": round(time.monotonic() - started, 3),
        }
        return grade(
            analysis,
            scores,
            models=bool(models),
            aggregation=opts.aggregation,
            threshold=opts.threshold,
            max_steps=opts.max_steps,
            extra=extra,
        )

    def concurrency(self, settings: Settings) -> int | None:
        """Every request's text work is one task in the worker pool, so a batch feeds its items through
        as many slots as there are workers (an item's budget starts when it gets one); with only model
        backends configured the work is remote and items run at once."""
        names = {p.strip() for p in settings.prm_backend.split(",")}
        return settings.pool_workers if "symbolic" in names else None

    async def startup(self, settings: Settings) -> None:
        self._settings = settings

    def info(self) -> dict[str, Any]:
        s = self._settings or get_settings()
        configured = {
            "symbolic": True,
            "vllm": bool(s.prm_vllm_url),
            "openai": bool(s.prm_openai_url),
            "transformers": bool(s.prm_transformers_model),
        }
        return {"backends": configured, "default_backend": s.prm_backend}

    async def shutdown(self) -> None:
        models, self._models = self._models, {}
        for backend in models.values():
            await backend.aclose()
