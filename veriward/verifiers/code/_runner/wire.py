"""How values cross a process boundary inside the sandbox (shipped into it; see `_runner.source`).

Tagged JSON built only from the data a value holds, never pickle: a receiver rebuilds genuine builtin and
standard-library objects, so no method of a candidate's class (`__eq__`, `__repr__`, `__reduce__`, ...)
ever runs outside the candidate's process. A subclass of a builtin (an `int` whose `__eq__` lies, a
namedtuple) travels as the builtin it stores. Anything else is refused, or, between the candidate and a
checker, travels as a reference (`{"t": "ref", "v": n}`) to the object that stays in the candidate.
"""

import collections
import decimal
import fractions

# Not `typing.TYPE_CHECKING`: importing typing would cost every process in the sandbox ~2 ms.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

_MAX_DEPTH = 200
_BIG_INT_BITS = 12000  # str(int) is refused beyond 4300 digits (~14000 bits): bigger ints travel as hex
# Captured before any candidate code runs, so that rebinding the names later changes nothing here.
_COUNTER, _ORDERED, _DEFAULT, _DEQUE = (
    collections.Counter,
    collections.OrderedDict,
    collections.defaultdict,
    collections.deque,
)
_FRACTION, _DECIMAL = fractions.Fraction, decimal.Decimal
_MAPPINGS: "dict[Any, str]" = {_COUNTER: "Counter", _ORDERED: "OrderedDict", _DEFAULT: "defaultdict"}
# Builtins whose subclasses travel as the builtin (bool cannot be subclassed).
_CONVERTERS: "tuple[tuple[type, Any], ...]" = (
    (int, int.__index__),
    (float, float.__float__),
    (str, str.__str__),
    (bytes, bytes.__bytes__),
    (complex, complex.__complex__),
    (bytearray, lambda v: bytearray(bytearray.__iter__(v))),
    (tuple, lambda v: tuple(tuple.__iter__(v))),
    (list, lambda v: list(list.__iter__(v))),
    (dict, lambda v: dict(dict.items(v))),
    (set, lambda v: set(set.__iter__(v))),
    (frozenset, lambda v: frozenset(frozenset.__iter__(v))),
)


class Unencodable(Exception):
    pass


def _encode_int(v):
    return v if v.bit_length() <= _BIG_INT_BITS else {"t": "int", "v": hex(v)}


def _as_base(v: "Any") -> "Any":
    """A subclass instance as the builtin it stores, read through the builtin's own slots (a subclass's
    overrides never run here), or None when `v` subclasses no builtin."""
    mro = type(v).__mro__
    for base, convert in _CONVERTERS:
        if base in mro:
            return convert(v)
    return None


def encode(v, ref=None, depth=0):
    """`v` as tagged JSON. `ref(obj) -> int` names an object that cannot travel; without it: Unencodable."""
    if depth > _MAX_DEPTH:
        raise Unencodable("value nested too deeply")
    t, d = type(v), depth + 1
    if v is None or t is bool or t is float or t is str:
        return v
    if t is int:
        return _encode_int(v)
    if t is list:
        return [encode(x, ref, d) for x in v]
    if t is tuple or t is set or t is frozenset or t is _DEQUE:
        name = "deque" if t is _DEQUE else t.__name__
        return {"t": name, "v": [encode(x, ref, d) for x in v]}
    if t is dict or t in _MAPPINGS:
        pairs = [[encode(k, ref, d), encode(x, ref, d)] for k, x in dict.items(v)]
        return {"t": _MAPPINGS.get(t, "dict"), "v": pairs}
    if t is bytes or t is bytearray:
        return {"t": t.__name__, "v": v.hex()}
    if t is complex:
        return {"t": "complex", "v": [v.real, v.imag]}
    if t is _FRACTION:
        return {"t": "Fraction", "v": [_encode_int(v.numerator), _encode_int(v.denominator)]}
    if t is _DECIMAL:
        return {"t": "Decimal", "v": str(v)}
    try:
        base = _as_base(v)
    except Exception:
        base = None
    if base is not None:
        return encode(base, ref, d)
    if ref is not None:
        return {"t": "ref", "v": ref(v)}
    raise Unencodable(f"cannot send a value of type {t.__module__}.{t.__qualname__}")


def _pairs(items, ref, d):
    return [(decode(k, ref, d), decode(x, ref, d)) for k, x in items]


def decode(v, ref=None, depth=0):
    """Tagged JSON -> genuine objects; `ref(n)` resolves a reference (none allowed without it)."""
    if depth > _MAX_DEPTH:
        raise ValueError("value nested too deeply")
    t, d = type(v), depth + 1
    if v is None or t is bool or t is int or t is float or t is str:
        return v
    if t is list:
        return [decode(x, ref, d) for x in v]
    if t is not dict or set(v) != {"t", "v"}:
        raise ValueError("malformed value")
    tag, items = v["t"], v["v"]
    if tag in ("tuple", "set", "frozenset", "deque"):
        kind: Any = {"tuple": tuple, "set": set, "frozenset": frozenset, "deque": _DEQUE}[tag]
        return kind(decode(x, ref, d) for x in items)
    if tag == "dict":
        return dict(_pairs(items, ref, d))
    if tag in ("Counter", "OrderedDict"):
        return (_COUNTER if tag == "Counter" else _ORDERED)(dict(_pairs(items, ref, d)))
    if tag == "defaultdict":
        return _DEFAULT(None, _pairs(items, ref, d))  # the factory stays with its owner
    if tag in ("bytes", "bytearray"):
        return (bytes if tag == "bytes" else bytearray).fromhex(items)
    if tag == "complex":
        return complex(float(items[0]), float(items[1]))
    if tag == "int":
        return int(items, 16)
    if tag == "Fraction":
        return _FRACTION(decode(items[0]), decode(items[1]))
    if tag == "Decimal":
        return _DECIMAL(items)
    if tag == "ref" and ref is not None and type(items) is int:
        return ref(items)
    raise ValueError(f"unknown value tag {str(tag)[:40]!r}")
