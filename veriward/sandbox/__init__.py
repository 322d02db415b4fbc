"""Sandboxes that run untrusted code: Docker containers, bubblewrap, or bubblewrap inside Docker.

    sb = select_sandbox("auto")          # layered where Docker can host it, else Docker, else bubblewrap
    await sb.start()
    result = await sb.run(["python3", "main.py"], files={"main.py": b"print(1)"}, limits=Limits(wall_s=5))
    await sb.close()

There is no unsandboxed fallback: if no backend works, `select_sandbox` raises `SandboxUnavailable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from veriward.sandbox._base import BOX_DIR, TMP_DIR, Limits, RunResult, Sandbox, SandboxUnavailable
from veriward.sandbox._bwrap import Layout, local_layout
from veriward.sandbox._docker import DEFAULT_IMAGE, DockerSandbox
from veriward.sandbox._layered import LayeredSandbox
from veriward.sandbox._process import ProcessSandbox
from veriward.sandbox._uids import host_uid

__all__ = [
    "BACKENDS",
    "BOX_DIR",
    "DEFAULT_IMAGE",
    "KINDS",
    "TMP_DIR",
    "BackendStatus",
    "DockerSandbox",
    "LayeredSandbox",
    "Layout",
    "Limits",
    "ProcessSandbox",
    "RunResult",
    "Sandbox",
    "SandboxKind",
    "SandboxUnavailable",
    "doctor",
    "host_uid",
    "local_layout",
    "select_sandbox",
]

# The one place the backends are named: settings, the CLI and `select_sandbox` all read these.
SandboxKind = Literal["auto", "layered", "docker", "process"]
KINDS: tuple[SandboxKind, ...] = get_args(SandboxKind)
BACKENDS: tuple[SandboxKind, ...] = tuple(k for k in KINDS if k != "auto")  # what `auto` tries, in order


@dataclass
class BackendStatus:
    name: str
    ok: bool
    reason: str


def _make(kind: str, image: str, max_jobs: int, warm: int) -> Sandbox:
    if kind == "layered":
        return LayeredSandbox(image=image, warm=warm, max_jobs=max_jobs)
    if kind == "docker":
        return DockerSandbox(image=image, warm=warm, max_jobs=max_jobs)
    if kind == "process":
        return ProcessSandbox(max_jobs=max_jobs)
    raise ValueError(f"unknown sandbox kind {kind!r}; use one of {', '.join(KINDS)}")


def select_sandbox(
    kind: SandboxKind = "auto", image: str = DEFAULT_IMAGE, max_jobs: int = 8, warm: int = 2
) -> Sandbox:
    """The backend to use: `layered`, `docker`, `process`, or `auto` (the first of those that works).

    Raises `SandboxUnavailable` (with every backend's reason) when the requested one cannot work.
    """
    kinds = BACKENDS if kind == "auto" else (kind,)
    reasons = []
    for k in kinds:
        sb = _make(k, image, max_jobs, warm)
        reason = sb.check()
        if reason is None:
            return sb
        reasons.append(f"{k}: {reason}")
    raise SandboxUnavailable("no sandbox backend works here; " + "; ".join(reasons))


def doctor(image: str = DEFAULT_IMAGE) -> list[BackendStatus]:
    """Which backends work on this host, and why not."""
    out = []
    for k in BACKENDS:
        reason = _make(k, image, 1, 0).check()
        out.append(BackendStatus(k, reason is None, reason or "works"))
    return out
