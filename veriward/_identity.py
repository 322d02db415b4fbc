"""Which scorer decided a result: name, package version, and a stable hash of its policy.

The policy hash covers what decides a verdict: the scorer's own code (every source file of its package,
so any change to its rules changes the hash) and its effective options (defaults filled in). A stored
rollout can then be re-scored and every reward that changed is attributable to a policy change.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from veriward._version import __version__

__all__ = ["canonical_json", "code_digest", "policy_hash"]


def canonical_json(value: Any) -> str:
    """One spelling per JSON value: sorted keys, no spaces (for hashing, never for display)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@cache
def code_digest(module_name: str) -> str:
    """sha256 over the source files of the package that defines `module_name` (its subpackage)."""
    module = sys.modules[module_name]
    path = Path(module.__file__ or "")
    root = path.parent if path.name == "__init__.py" else path
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    h = hashlib.sha256()
    for f in files:
        h.update(f.relative_to(root.parent).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def policy_hash(verifier_module: str, options: BaseModel) -> str:
    """16 hex digits naming the scorer's rules and effective options."""
    h = hashlib.sha256()
    h.update(code_digest(verifier_module).encode())
    h.update(canonical_json(options.model_dump(mode="json")).encode())
    return h.hexdigest()[:16]


def scorer_id(name: str, verifier_module: str, options: BaseModel) -> dict[str, str]:
    return {"name": name, "version": __version__, "policy": policy_hash(verifier_module, options)}
