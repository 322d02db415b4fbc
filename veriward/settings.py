"""The one settings object; every field can be set from the environment as `VERIWARD_<NAME>`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_pool_workers() -> int:
    # At least 4 so that a few pathological requests cannot starve the rest of the pool.
    return max(4, os.cpu_count() or 1)


class Settings(BaseSettings):
    """Server and library settings."""

    model_config = SettingsConfigDict(env_prefix="VERIWARD_", extra="ignore")

    # Server
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes")
    api_key: SecretStr | None = Field(default=None, description="when set, required on all but /healthz")
    log_level: str = "info"
    default_verifier: str = Field(default="math", description="scorer of trainer endpoints (/get_reward)")
    api_keys_file: Path | None = Field(default=None, description="file with one API key a line (# comments)")
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="larger bodies get 413")
    max_queue_per_scorer: int = Field(default=512, ge=1, description="admitted requests per scorer; then 429")
    max_queue_wait_s: float = Field(
        default=120.0, gt=0, description="longest wait for a scorer slot; then `error` (overloaded)"
    )
    max_connections: int = Field(default=2048, ge=1, description="open client connections; more are closed")
    max_header_bytes: int = Field(default=64 * 1024, ge=1024, description="request line and headers")
    header_timeout_s: float = Field(default=10.0, gt=0, description="to send a request's headers")
    body_timeout_s: float = Field(default=60.0, gt=0, description="to send a request's body; then 408")
    keep_alive_s: float = Field(default=5.0, gt=0, description="idle keep-alive connections are closed")
    shutdown_grace_s: float = Field(default=30.0, ge=0, description="drain time on shutdown")
    json_logs: bool = Field(default=True, description="one JSON object a log line, with request ids")

    # Budgets and caps
    default_timeout_s: float = Field(default=10.0, gt=0)
    max_timeout_s: float = Field(default=60.0, gt=0)
    max_response_chars: int = Field(default=2_000_000, ge=1)
    max_reference_chars: int = Field(default=1_000_000, ge=1)
    max_batch_size: int = Field(default=4096, ge=1)

    # Result cache: identical requests are scored once (see README, Groups and the result cache)
    cache_size: int = Field(default=20_000, ge=0, description="in-process LRU entries; 0 turns caching off")
    cache_url: str | None = Field(
        default=None, description="redis://host:port/db: a cache shared by replicas"
    )
    cache_ttl_s: int = Field(default=7 * 24 * 3600, ge=1, description="lifetime of a Redis cache entry")

    # Killable worker pool for CPU-bound scorers (math, symbolic PRM)
    pool_workers: int = Field(default_factory=_default_pool_workers, ge=1)
    pool_max_tasks: int = Field(default=2000, ge=0, description="recycle a worker after this many tasks")
    worker_memory_mb: int = Field(default=4096, ge=256, description="address-space limit of a pool worker")

    # Code scorer sandbox (see README, Code scorer)
    sandbox: str = Field(
        default="auto",
        pattern="^(auto|layered|docker|process)$",
        description="layered, docker, process, auto (the first of those that works)",
    )
    sandbox_image: str = Field(default="veriward-sandbox-python:latest", description="Docker runner image")
    sandbox_jobs: int = Field(default=6, ge=1, description="submissions run in sandboxes at once")
    sandbox_warm: int = Field(default=2, ge=0, description="Docker containers kept started ahead of jobs")

    # Lean scorer: a pool of long-lived Lean REPL processes (see README, Lean scorer)
    lean_repl_cmd: str = Field(default="repl", description="the REPL's command line, e.g. `lake env repl`")
    lean_project_dir: str | None = Field(default=None, description="working directory: a Lake project")
    lean_default_header: str = Field(default="import Mathlib", description="header when a reference has none")
    lean_pool_size: int = Field(default=2, ge=1, description="REPL processes (and proofs checked at once)")
    lean_max_proofs_per_repl: int = Field(default=64, ge=0, description="recycle a REPL after N proofs")
    lean_memory_mb: int = Field(default=8192, ge=256, description="REPL memory limit (kill; recycle at 80%)")
    lean_queue_size: int = Field(default=64, ge=0, description="proofs waiting for a REPL; then `error`")
    lean_header_timeout_s: float = Field(default=300.0, gt=0, description="budget to load a header")

    # PRM step grader (see README, PRM step grader)
    prm_backend: str = Field(default="symbolic", description="default backends, comma-separated")
    prm_vllm_url: str | None = Field(default=None, description="vLLM server with a PRM (POST /pooling)")
    prm_vllm_model: str = Field(default="Qwen/Qwen2.5-Math-PRM-7B", description="model name sent to vLLM")
    prm_openai_url: str | None = Field(default=None, description="OpenAI-compatible base URL (…/v1)")
    prm_openai_model: str = Field(default="RLHFlow/Llama3.1-8B-PRM-Deepseek-Data")
    prm_openai_api_key: SecretStr | None = Field(default=None, description="bearer token of the judge")
    prm_transformers_model: str | None = Field(default=None, description="local path of a PRM checkpoint")
    prm_http_timeout_s: float = Field(default=30.0, gt=0, description="per HTTP call to a PRM backend")
    prm_http_retries: int = Field(default=2, ge=0, description="retries on 5xx, 429 and connection errors")
    prm_max_concurrency: int = Field(default=16, ge=1, description="HTTP calls in flight per backend")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read from the environment once per process."""
    return Settings()
