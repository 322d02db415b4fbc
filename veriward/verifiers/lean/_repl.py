"""A client of the Lean REPL's JSON protocol (leanprover-community/repl) over a child process's pipes.

Each command is one JSON object followed by a blank line; each answer is one JSON object followed by a
blank line (JSON escapes newlines inside strings, so a blank line can only end an answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from veriward.verifiers.lean._sandbox import Jail, JailConfig, open_jail

# Lean answers can carry long goals and error texts; one answer may be large.
_STREAM_LIMIT = 64 * 1024 * 1024
_STDERR_TAIL = 4096


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class Message:
    severity: str  # "error" | "warning" | "info"
    pos: Pos | None
    end_pos: Pos | None
    data: str

    def as_dict(self, line_offset: int = 0) -> dict[str, Any]:
        out: dict[str, Any] = {"severity": self.severity, "data": self.data}
        if self.pos is not None:
            out["line"] = max(0, self.pos.line - line_offset)
            out["column"] = self.pos.column
        return out


@dataclass(frozen=True)
class Sorry:
    goal: str
    pos: Pos | None
    proof_state: int | None


@dataclass
class ReplResponse:
    """One REPL answer. `error` is the REPL's own `message` (bad command, unknown env), not a Lean error."""

    env: int | None = None
    messages: list[Message] = field(default_factory=list)
    sorries: list[Sorry] = field(default_factory=list)
    error: str | None = None
    proof_state: int | None = None
    proof_status: str | None = None
    goals: list[str] = field(default_factory=list)
    tactics: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == "error"]


class ReplProtocolError(Exception):
    """The REPL printed something that is not a protocol answer."""


class ReplDied(Exception):
    """The REPL process exited (or closed its output) before answering."""


class MemoryExceeded(Exception):
    """The REPL's process group grew past its memory limit and was killed."""


def _pos(obj: Any) -> Pos | None:
    if isinstance(obj, Mapping) and isinstance(obj.get("line"), int) and isinstance(obj.get("column"), int):
        return Pos(obj["line"], obj["column"])
    return None


def parse_response(obj: Any) -> ReplResponse:
    """Turn one decoded REPL answer into a `ReplResponse`; `ReplProtocolError` if it is not one."""
    if not isinstance(obj, dict):
        raise ReplProtocolError(f"expected a JSON object, got {type(obj).__name__}")
    messages = [
        Message(
            str(m.get("severity", "error")), _pos(m.get("pos")), _pos(m.get("endPos")), str(m.get("data"))
        )
        for m in _list(obj, "messages")
    ]
    sorries = [
        Sorry(str(s.get("goal", "")), _pos(s.get("pos")), _int(s.get("proofState")))
        for s in _list(obj, "sorries")
    ]
    goals = obj.get("goals")
    return ReplResponse(
        env=_int(obj.get("env")),
        messages=messages,
        sorries=sorries,
        error=str(obj["message"]) if "message" in obj else None,
        proof_state=_int(obj.get("proofState")),
        proof_status=str(obj["proofStatus"]) if "proofStatus" in obj else None,
        goals=[str(g) for g in goals] if isinstance(goals, list) else [],
        tactics=[t for t in _list(obj, "tactics")],
        raw=obj,
    )


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _list(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = obj.get(key, [])
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise ReplProtocolError(f"`{key}` must be a list of objects")
    return v


def encode_command(cmd: Mapping[str, Any]) -> bytes:
    """One command on the wire: compact JSON and the blank line that ends it."""
    # UTF-8 as is (Lean reads it; \u escapes of astral characters may not survive); a lone surrogate,
    # which JSON can carry but UTF-8 cannot, becomes `?`.
    return (json.dumps(dict(cmd), ensure_ascii=False) + "\n\n").encode("utf-8", "replace")


def split_stream(text: str) -> list[str]:
    """Split a recorded stream (commands or answers) into its blank-line separated JSON chunks."""
    chunks, cur = [], []
    for line in text.splitlines():
        if line.strip():
            cur.append(line)
        elif cur:
            chunks.append("\n".join(cur))
            cur = []
    if cur:
        chunks.append("\n".join(cur))
    return chunks


async def read_answer(reader: asyncio.StreamReader) -> dict[str, Any]:
    """Read one answer (lines up to a blank line); `ReplDied` at end of stream."""
    lines: list[bytes] = []
    while True:
        line = await reader.readline()
        if not line:
            raise ReplDied("the REPL closed its output")
        if line.strip():
            lines.append(line)
        elif lines:
            break
    try:
        obj = json.loads(b"".join(lines))
    except json.JSONDecodeError as exc:
        raise ReplProtocolError(f"the REPL printed invalid JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ReplProtocolError("the REPL printed a non-object answer")
    return obj


def group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in a process group, in MiB (0 if none is left)."""
    total_pages = 0
    page = os.sysconf("SC_PAGE_SIZE")
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
                if int(fields[2]) != pgid:  # fields[2] is pgrp (after pid, comm, state)
                    continue
                with open(f"/proc/{entry.name}/statm", "rb") as f:
                    total_pages += int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total_pages * page / (1024 * 1024)


class ReplProcess:
    """One long-lived REPL child in its own process group (so `lake env` and its children die together),
    confined by its jail (`_sandbox.py`): bubblewrap, or at least an empty environment."""

    def __init__(
        self, proc: asyncio.subprocess.Process, header: str, jail: Jail, stack: contextlib.ExitStack
    ) -> None:
        self.proc = proc
        self.header = header
        self.jail = jail
        self.header_env: int | None = None
        self.proofs = 0  # proofs checked, for recycling
        self.started = time.monotonic()
        self._stack = stack
        self._stderr = bytearray()
        self._stderr_task = asyncio.ensure_future(self._drain_stderr())

    @classmethod
    async def spawn(
        cls, argv: Sequence[str], cwd: str | None, header: str, jail: JailConfig | None = None
    ) -> ReplProcess:
        stack = contextlib.ExitStack()
        try:
            box = stack.enter_context(open_jail(jail or JailConfig(bwrap=None), argv, cwd))
            proc = await asyncio.create_subprocess_exec(
                *box.command(argv),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                limit=_STREAM_LIMIT,
                **box.popen_kwargs(),
            )
        except BaseException:
            stack.close()
            raise
        return cls(proc, header, box, stack)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    def stderr_tail(self) -> str:
        return self._stderr[-_STDERR_TAIL:].decode(errors="replace").strip()

    def rss_mb(self) -> float:
        return group_rss_mb(self.proc.pid) if self.alive else 0.0

    async def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(65536):
            self._stderr += chunk
            del self._stderr[:-_STDERR_TAIL]

    async def send(self, cmd: Mapping[str, Any], deadline: float, memory_mb: float = 0) -> ReplResponse:
        """Send one command and wait for its answer until `deadline` (time.monotonic()).

        Past the deadline the whole process group is killed and `TimeoutError` raised; past `memory_mb`
        (when given) it is killed and `MemoryExceeded` raised.
        """
        assert self.proc.stdin is not None and self.proc.stdout is not None
        if not self.alive:
            raise ReplDied(f"the REPL has exited (status {self.proc.returncode})")
        try:
            self.proc.stdin.write(encode_command(cmd))
            await self.proc.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ReplDied(f"the REPL's input is closed: {exc}") from None
        answer = asyncio.ensure_future(read_answer(self.proc.stdout))
        watch = asyncio.ensure_future(self._watch_memory(memory_mb)) if memory_mb > 0 else None
        try:
            waiters = {answer} | ({watch} if watch else set())
            done, _ = await asyncio.wait(
                waiters, timeout=max(0.0, deadline - time.monotonic()), return_when=asyncio.FIRST_COMPLETED
            )
            if answer in done:
                if isinstance(answer.exception(), ReplDied):
                    raise ReplDied(f"{answer.exception()}; stderr: {await self._final_stderr() or '(empty)'}")
                return parse_response(answer.result())
            if watch is not None and watch in done:
                self.kill()
                raise MemoryExceeded(f"the REPL exceeded its {memory_mb:g} MB memory limit")
            self.kill()
            raise TimeoutError("the REPL did not answer within the budget")
        finally:
            for t in (answer, watch):
                if t is not None and not t.done():
                    t.cancel()

    async def _final_stderr(self) -> str:
        """What the process wrote to stderr before it died (the tail), once its pipe has drained."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self._stderr_task), timeout=1)
        return self.stderr_tail()[-500:]

    async def _watch_memory(self, limit_mb: float) -> None:
        while self.rss_mb() <= limit_mb:
            await asyncio.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole process group (idempotent)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()

    async def close(self) -> None:
        """Kill the group and wait for the process and its pipes, so nothing outlives the event loop."""
        self.kill()
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.proc.wait(), timeout=5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._stderr_task, timeout=1)
        self._stderr_task.cancel()
        self._stack.close()  # the private tmp directory and the host uid
