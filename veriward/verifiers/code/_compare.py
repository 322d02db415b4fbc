"""Verdicts computed outside the sandbox: decoding the candidate's values and comparing them.

Everything here reads what a candidate's process sent, so every function is total: a malformed value is a
`BadValue` (the test fails), never another exception that would turn the run into `error`.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, Literal

Compare = Literal["strict", "python"]
MAX_DEPTH = 200  # the runners refuse to encode deeper values
_BIG_INT_DIGITS = 4000  # str(int) is refused beyond 4300 digits; bigger ints travel as hex


class BadValue(ValueError):
    """The sandbox sent something that is not a well-formed encoded value."""


def _items(v: Any, what: str) -> list[Any]:
    if type(v) is not list:
        raise BadValue(f"malformed {what}: not a list")
    return v


def _pairs(items: Any, depth: int) -> dict[Any, Any]:
    out = {}
    for pair in _items(items, "dict"):
        if type(pair) is not list or len(pair) != 2:
            raise BadValue("malformed dict entry")
        out[decode(pair[0], depth + 1)] = decode(pair[1], depth + 1)
    return out


def _hex_int(s: Any) -> int:
    if type(s) is not str or len(s) > 1 << 24:
        raise BadValue("malformed int")
    return int(s, 16)  # base 16 has no digit limit and is linear


def _decode_tagged(t: Any, items: Any, depth: int) -> Any:
    d = depth + 1
    if t == "tuple":
        return tuple(decode(x, d) for x in _items(items, t))
    if t in ("set", "frozenset"):
        return (set if t == "set" else frozenset)(decode(x, d) for x in _items(items, t))
    if t in ("dict", "Counter", "OrderedDict", "defaultdict"):
        return _pairs(items, depth)  # JSON has no such types: compared as the dict they are
    if t == "deque":
        return [decode(x, d) for x in _items(items, t)]
    if t in ("bytes", "bytearray"):
        if type(items) is not str:
            raise BadValue("malformed bytes")
        return bytes.fromhex(items)
    if t == "complex":
        parts = _items(items, t)
        if len(parts) != 2 or not all(type(p) in (int, float) for p in parts):
            raise BadValue("malformed complex")
        return complex(float(parts[0]), float(parts[1]))
    if t == "int":
        return _hex_int(items)
    if t == "Fraction":
        parts = _items(items, t)
        if len(parts) != 2 or not all(type(p) is int for p in parts):
            raise BadValue("malformed Fraction")
        return Fraction(parts[0], parts[1])
    if t == "Decimal":
        if type(items) is not str or len(items) > 10_000:
            raise BadValue("malformed Decimal")
        return Decimal(items)
    raise BadValue(f"unknown value tag {str(t)[:40]!r}")


def decode(v: Any, depth: int = 0) -> Any:
    """Tagged JSON (see the runners' `encode`) -> Python values. Raises `BadValue` on anything else."""
    if depth > MAX_DEPTH:
        raise BadValue("value nested too deeply")
    if v is None or type(v) in (bool, int, float, str):
        return v
    if type(v) is list:
        return [decode(x, depth + 1) for x in v]
    if type(v) is not dict or set(v) != {"t", "v"}:
        raise BadValue("malformed value")
    try:
        return _decode_tagged(v["t"], v["v"], depth)
    except BadValue:
        raise
    except (TypeError, ValueError, ArithmeticError, InvalidOperation, RecursionError) as exc:
        raise BadValue(f"malformed {str(v['t'])[:40]}: {type(exc).__name__}") from None


def parse_record(text: str) -> dict[str, Any] | None:
    """The single JSON record a test process wrote, or None if there is none or it is malformed."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) != 1:
        return None
    try:
        rec = json.loads(lines[0])
    except (ValueError, RecursionError):
        return None
    return rec if isinstance(rec, dict) else None


def _is_number(x: Any) -> bool:
    return type(x) in (int, float)


def _close(got: int | float, want: int | float, tol: float | None) -> bool:
    """Exact (int and float compare exactly in Python) or within `tol`; NaN never equals, no overflow."""
    if (type(got) is float and math.isnan(got)) or (type(want) is float and math.isnan(want)):
        return False
    if got == want or tol is None:
        return got == want
    try:
        g, w = float(got), float(want)
    except OverflowError:  # an int beyond float range is close only to itself
        return False
    return math.isfinite(g) and math.isfinite(w) and math.isclose(g, w, rel_tol=tol, abs_tol=tol)


def _number_types(want: type, tol: float | None, mode: Compare) -> tuple[type, ...]:
    if mode == "python":
        return (int, float, bool)
    return (int, float) if tol is not None else (want,)


def _seq_equal(got: Any, want: list[Any], tol: float | None, mode: Compare) -> bool:
    return (
        type(got) in (list, tuple)
        and len(got) == len(want)
        and all(values_equal(g, w, tol, mode) for g, w in zip(got, want, strict=True))
    )


def values_equal(got: Any, want: Any, tol: float | None = None, mode: Compare = "strict") -> bool:
    """Does the candidate's value equal the expected JSON value?

    `strict`: types are compared exactly: 3 != 3.0 != True, "3" != 3; with a float tolerance ints and
    floats may stand for each other (bools never do). `python`: Python's `==` on the values, as the
    datasets judged by it do (APPS, TACO, LiveCodeBench): 3 == 3.0 == True. In both a JSON array matches
    a list or a tuple (JSON has no tuples), a JSON object a dict with the same keys, and NaN never equals.
    """
    if mode == "strict" and (type(want) is bool or type(got) is bool):
        return type(got) is bool and type(want) is bool and got == want
    if type(want) in (int, float, bool):
        return type(got) in _number_types(type(want), tol, mode) and _close(got, want, tol)
    if want is None:
        return got is None
    if type(want) is str:
        return type(got) is str and got == want
    if type(want) is list:
        return _seq_equal(got, want, tol, mode)
    if type(want) is dict:
        return (
            type(got) is dict
            and set(got) == set(want)
            and all(values_equal(got[k], want[k], tol, mode) for k in want)
        )
    return False


def strict_equal(got: Any, want: Any, tol: float | None = None) -> bool:
    return values_equal(got, want, tol, "strict")


def _tokens_equal(got: str, want: str, tol: float | None) -> bool:
    if got == want:
        return True
    if tol is None:
        return False
    try:
        g, w = float(got), float(want)
    except ValueError:
        return False
    return math.isfinite(g) and math.isfinite(w) and math.isclose(g, w, rel_tol=tol, abs_tol=tol)


def stdio_equal(got: str, want: str, tol: float | None = None) -> bool:
    """Line by line, token by token: extra spaces, trailing spaces and trailing blank lines are ignored."""
    g_lines = got.rstrip().splitlines()
    w_lines = want.rstrip().splitlines()
    if len(g_lines) != len(w_lines):
        return False
    for g_line, w_line in zip(g_lines, w_lines, strict=True):
        g_tok, w_tok = g_line.split(), w_line.split()
        if len(g_tok) != len(w_tok):
            return False
        if not all(_tokens_equal(g, w, tol) for g, w in zip(g_tok, w_tok, strict=True)):
            return False
    return True


def short_repr(v: Any, limit: int = 200) -> str:
    """A bounded repr of a decoded value that never raises (huge ints are not converted to decimal)."""
    out: list[str] = []
    _repr_into(v, out, [limit])
    text = "".join(out)
    return text if len(text) <= limit else text[:limit] + "..."


def _repr_into(v: Any, out: list[str], left: list[int]) -> None:
    if left[0] <= 0:
        return
    if type(v) is int and v.bit_length() > 3 * _BIG_INT_DIGITS:
        piece = f"<int of {v.bit_length()} bits>"
    elif type(v) in (list, tuple, set, frozenset, dict):
        brackets: dict[type, tuple[str, str]] = {list: ("[", "]"), tuple: ("(", ")")}
        opener, closer = brackets.get(type(v), ("{", "}"))
        out.append(opener)
        left[0] -= 1
        items = list(v.items()) if type(v) is dict else list(v)
        for i, item in enumerate(items):
            if left[0] <= 0:
                break
            if i:
                out.append(", ")
            if type(v) is dict:
                _repr_into(item[0], out, left)
                out.append(": ")
                _repr_into(item[1], out, left)
            else:
                _repr_into(item, out, left)
        piece = closer
    else:
        try:
            piece = repr(v)[: left[0] + 1]
        except (ValueError, RecursionError):
            piece = f"<{type(v).__name__}>"
    out.append(piece)
    left[0] -= len(piece)


def clean_text(s: str) -> str:
    """`s` as valid UTF-8: lone surrogates (from a candidate's JSON escapes) become backslash escapes."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")
    return s


def clean(obj: Any, depth: int = 0) -> Any:
    """Every string in a JSON-like structure made valid UTF-8 (keys too), so one item's text never
    breaks the encoding of a response."""
    if type(obj) is str:
        return clean_text(obj)
    if depth > MAX_DEPTH:
        return None
    if isinstance(obj, dict):
        return {clean(k, depth + 1): clean(x, depth + 1) for k, x in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(x, depth + 1) for x in obj]
    return obj
