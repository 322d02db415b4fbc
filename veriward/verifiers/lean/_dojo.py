"""Optional LeanDojo references (`pip install 'veriward[lean-dojo]'`, which installs `lean-dojo-v2`): a
theorem of a traced repository as the reference, `{"repo", "commit", "file", "theorem"}`, and the response
as a tactic proof of it.

The repository must be one the operator listed in `VERIWARD_LEAN_DOJO_REPOS` (a caller never names what is
fetched and built; anything else is a 422), at a pinned commit. lean-dojo-v2 (`lean_dojo_v2.lean_dojo`)
exposes tracing (`LeanGitRepo`, `get_traced_repo_path`) but no interactive `Dojo` (its provers drive
Pantograph), so veriward traces the repository with it and checks the proof with its own pipeline inside
the traced project: the gate, `theorem … : type_of% @THEOREM := by <tactics>` elaborated apart from the
reference, the strict axiom audit and the kernel replay. The REPL (`VERIWARD_LEAN_REPL_CMD`) must match
the repository's Lean version.
"""

from __future__ import annotations

import asyncio
import importlib.util
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from veriward.errors import RequestError
from veriward.settings import Settings
from veriward.verifiers.base import Context, Outcome
from veriward.verifiers.lean._lexer import Kind, LexError, tokenize
from veriward.verifiers.lean._source import Statement, namespace_of

FIELDS = ("repo", "commit", "file", "theorem")
_BY_PREFIX = "by"
_COMMIT_RE = re.compile(r"[0-9a-f]{7,40}")
_FILE_RE = re.compile(r"(?:[A-Za-z0-9_'.-]+/)*[A-Za-z0-9_'-]+\.lean")
GOAL = "veriward_dojo_goal"
Runner = Callable[..., Awaitable[Outcome]]


@dataclass(frozen=True)
class DojoReference:
    repo: str
    commit: str
    file: str
    theorem: str


def available() -> bool:
    """Whether `lean_dojo_v2` is importable here (it is never imported until used)."""
    return importlib.util.find_spec("lean_dojo_v2") is not None


def _norm(url: str) -> str:
    url = url.strip().rstrip("/")
    return url[: -len(".git")] if url.endswith(".git") else url


def allowed_repos(settings: Settings) -> frozenset[str]:
    """The repositories the operator allows (VERIWARD_LEAN_DOJO_REPOS, comma- or space-separated)."""
    return frozenset(_norm(u) for u in re.split(r"[,\s]+", settings.lean_dojo_repos) if u.strip())


def parse_reference(reference: dict[str, Any], allowed: frozenset[str]) -> DojoReference:
    missing = [f for f in FIELDS if not isinstance(reference.get(f), str) or not reference[f].strip()]
    if missing:
        raise RequestError(
            f"a LeanDojo reference needs non-empty strings {', '.join(FIELDS)}; missing or empty: "
            f"{', '.join(missing)}",
            field="reference",
        )
    unknown = sorted(set(reference) - set(FIELDS))
    if unknown:
        raise RequestError(f"unknown reference field(s): {', '.join(unknown)}", field="reference")
    ref = DojoReference(*(reference[f].strip() for f in FIELDS))
    if _norm(ref.repo) not in allowed:
        listed = "none are" if not allowed else f"{len(allowed)} are"
        raise RequestError(
            f"reference.repo {ref.repo!r} is not a repository this server checks against ({listed} "
            "configured in VERIWARD_LEAN_DOJO_REPOS)",
            field="reference.repo",
        )
    if not _COMMIT_RE.fullmatch(ref.commit):
        raise RequestError(
            "reference.commit must be a commit hash (7-40 hex digits)", field="reference.commit"
        )
    if not _FILE_RE.fullmatch(ref.file) or ".." in ref.file.split("/"):
        raise RequestError("reference.file must be a relative path to a .lean file", field="reference.file")
    try:
        tokens = tokenize(ref.theorem)
    except LexError:
        tokens = []
    if len(tokens) != 1 or tokens[0].kind is not Kind.IDENT:
        raise RequestError("reference.theorem must be one Lean name", field="reference.theorem")
    return ref


def tactic_script(code: str) -> str:
    """The tactics of a proof: the text after `:= by` when a whole theorem was given, else the text."""
    _head, sep, tail = code.partition(":= by")
    script = tail if sep else code
    script = script.strip()
    if script.startswith(_BY_PREFIX + " ") or script.startswith(_BY_PREFIX + "\n"):
        script = script[len(_BY_PREFIX) :].strip()
    return script


def module_of(file: str) -> str:
    return file[: -len(".lean")].replace("/", ".")


def goal_of(ref: DojoReference, script: str) -> tuple[Statement, str, str]:
    """(statement, header, proof) for the pipeline: the repository theorem's type, proved by `script`."""
    statement = Statement(GOAL, "theorem ", f" : type_of% @{ref.theorem}")
    ns = namespace_of(ref.theorem)
    header = f"import {module_of(ref.file)}" + (f"\nopen {ns}" if ns else "")
    body = "\n".join("  " + line for line in script.splitlines())
    return statement, header, f"theorem {GOAL} : type_of% @{ref.theorem} := by\n{body}"


def _traced_project(ref: DojoReference) -> str:
    from lean_dojo_v2.lean_dojo import LeanGitRepo, get_traced_repo_path

    return str(get_traced_repo_path(LeanGitRepo(ref.repo, ref.commit), build_deps=False))


async def check(ref: DojoReference, code: str, ctx: Context, run: Runner) -> Outcome:
    if not available():
        return Outcome.error(
            "the LeanDojo backend is not installed: pip install 'veriward[lean-dojo]' (lean-dojo-v2; "
            "it needs a Lean toolchain too)",
            failed_check="toolchain",
        )
    remaining = ctx.deadline - time.monotonic()
    if remaining <= 1:
        return Outcome.timeout("no budget left for LeanDojo")
    try:
        project = await asyncio.wait_for(asyncio.to_thread(_traced_project, ref), remaining)
    except TimeoutError:
        return Outcome.timeout("LeanDojo did not trace the repository within the budget")
    except Exception as exc:  # lean-dojo-v2 raises its own types for git and tracing failures
        return Outcome.error(
            f"LeanDojo could not trace the repository: {type(exc).__name__}: {str(exc)[:300]}"
        )
    statement, header, body = goal_of(ref, tactic_script(code))
    return await run(statement, header, body, -1, ctx, cwd=project)
