"""The scorer registry: adding a scorer is one module plus one `register` call (or an entry in `_ENTRIES`).

The registry holds factories, never instances: each `Engine` makes its own instance of every scorer when
it starts and closes them when it closes (as an HTTP client owns its transport), and each pool worker
makes its own for the pooled scorers it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from veriward.errors import RequestError
from veriward.verifiers.base import (
    AsyncVerifier,
    BaseVerifier,
    Context,
    NoOptions,
    Outcome,
    PooledVerifier,
    Verifier,
)

__all__ = [
    "AsyncVerifier",
    "BaseVerifier",
    "Context",
    "Factory",
    "NoOptions",
    "Outcome",
    "PooledVerifier",
    "Verifier",
    "create",
    "importable",
    "names",
    "register",
    "unregister",
]

Factory = Callable[[], BaseVerifier]

# name -> "module:Class" (imported on first use, so a scorer's heavy dependencies cost nothing until used)
# or a factory (a class or a function returning a new instance).
_ENTRIES: dict[str, str | Factory] = {
    "math": "veriward.verifiers.math:MathVerifier",
    "code": "veriward.verifiers.code:CodeVerifier",
    "lean": "veriward.verifiers.lean:LeanVerifier",
    "prm": "veriward.verifiers.prm:PrmVerifier",
}


def register(name: str, target: str | Factory) -> None:
    """Add (or replace) a scorer: `target` is "package.module:ClassName" of a scorer class, or a factory.

    Engines started afterwards run it, and so do engines already started (without `startup`). A pooled
    scorer runs in the worker processes of engines started afterwards only when given as "module:Class"
    (a worker imports it; a factory object cannot cross into another process).
    """
    _ENTRIES[name] = target


def unregister(name: str) -> None:
    """Remove a scorer (engines that already made an instance keep it until they close)."""
    _ENTRIES.pop(name, None)


def names() -> list[str]:
    return sorted(_ENTRIES)


def importable() -> dict[str, str]:
    """The scorers registered as "module:Class", which another process can import (the pool's workers)."""
    return {name: t for name, t in _ENTRIES.items() if isinstance(t, str)}


def _factory(name: str) -> Factory:
    target = _ENTRIES.get(name)
    if target is None:
        known = ", ".join(names())
        raise RequestError(f"unknown verifier {name!r}; known verifiers: {known}", field="verifier")
    if not isinstance(target, str):
        return target
    module_name, _, cls_name = target.partition(":")
    cls: Factory = getattr(importlib.import_module(module_name), cls_name)
    return cls


def create(name: str) -> BaseVerifier:
    """A new instance of the scorer called `name`; `RequestError` naming the known ones if there is none."""
    return _factory(name)()


def preload() -> None:
    """Import every scorer (keep heavy imports lazy inside them), so that forked workers start warm."""
    for name in names():
        _factory(name)
