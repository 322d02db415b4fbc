"""JSON hygiene: what a request may carry, and answers that can always be encoded.

Python's `json` accepts what JSON text cannot carry through to an answer: `NaN`/`Infinity`, lone UTF-16
surrogates (`"\\ud800"`, which no UTF-8 encoder will write back out) and nesting deep enough to exhaust
the interpreter's stack later. A request carrying any of them is refused with a 422 naming the field,
before anything echoes it; and every answer is encoded so that no content can turn it into a 500.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["MAX_DEPTH", "SafeJSONResponse", "find_problem", "safe_dumps", "sanitize"]

MAX_DEPTH = 64  # objects and arrays inside a request; real metadata is a few levels deep
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any, int]]:
    """Every (path, value, depth) in a JSON-like value, iteratively (no recursion on hostile nesting)."""
    stack: list[tuple[str, Any, int]] = [(path, value, 0)]
    while stack:
        p, v, d = stack.pop()
        yield p, v, d
        if isinstance(v, dict):
            for k, item in v.items():
                sub = (f"{p}.{k}" if p else str(k)) if isinstance(k, str) else p
                yield sub, k, d + 1
                stack.append((sub, item, d + 1))
        elif isinstance(v, list | tuple):
            stack.extend((f"{p}[{i}]", item, d + 1) for i, item in enumerate(v))


def find_problem(value: Any, path: str, max_depth: int = MAX_DEPTH) -> tuple[str, str] | None:
    """(field, message) for the first value a JSON answer could not carry, or None if it is clean."""
    for p, v, depth in _walk(value, path):
        where = _printable(p)
        if depth > max_depth:
            return where, f"{where}: nested deeper than {max_depth} levels"
        if isinstance(v, str):
            m = _SURROGATE.search(v)
            if m is not None:
                return where, f"{where}: contains a lone UTF-16 surrogate (U+{ord(m.group()):04X}), not text"
        elif isinstance(v, float) and not math.isfinite(v):
            return where, f"{where}: {v} is not a finite number (JSON has no NaN or Infinity)"
    return None


def _printable(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def sanitize(value: Any) -> Any:
    """A copy that JSON can carry: surrogates become U+FFFD, non-finite floats null, deep parts a marker."""
    root: list[Any] = [None]
    stack: list[tuple[Any, list[Any] | dict[Any, Any], Any, int]] = [(value, root, 0, 0)]
    while stack:
        v, parent, key, depth = stack.pop()
        out: Any
        if depth > MAX_DEPTH:
            out = "<nested too deeply>"
        elif isinstance(v, str):
            out = _printable(v)
        elif isinstance(v, float):
            out = v if math.isfinite(v) else None
        elif isinstance(v, dict):
            out = {}
            stack.extend((item, out, _printable(str(k)), depth + 1) for k, item in v.items())
        elif isinstance(v, list | tuple):
            out = [None] * len(v)
            stack.extend((item, out, i, depth + 1) for i, item in enumerate(v))
        else:
            out = v
        parent[key] = out
    return root[0]


def safe_dumps(content: Any) -> bytes:
    """UTF-8 JSON of `content`; falls back to a sanitized copy when the content cannot be encoded as is."""
    try:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    except (ValueError, UnicodeEncodeError, RecursionError, TypeError):
        clean = sanitize(content)
        return json.dumps(
            clean, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str
        ).encode()


class SafeJSONResponse(JSONResponse):
    """The app's default response class: no content can make encoding the answer fail."""

    def render(self, content: Any) -> bytes:
        return safe_dumps(content)
