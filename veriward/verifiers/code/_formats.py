"""Dataset rows as distributed (`reference.format`) -> the scorer's own reference.

A row keeps its own fields, unchanged, plus `"format"`; fields the format does not use are ignored. The
scorer's own options may ride along: `language`, `time_limit_s`, `memory_limit_mb`, `float_tolerance`,
`checker`. Test code and expected values stay outside the candidate's process, as for every reference.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import pickle
import zlib
from collections.abc import Callable
from typing import Any

from veriward.errors import RequestError
from veriward.verifiers.code._names import defined_names, top_level_imports

_PASSED = ("language", "time_limit_s", "memory_limit_mb", "float_tolerance", "checker")
_MAX_INFLATED = 64 * 1024 * 1024  # LiveCodeBench's compressed private tests, once inflated


def _bad(field: str, msg: str) -> RequestError:
    return RequestError(f"reference.{field}: {msg}", field=f"reference.{field}")


def _field(row: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in row:
        raise _bad(name, f"is required by format {row['format']!r}")
    value = row[name]
    if not isinstance(value, kind):
        raise _bad(name, f"has the wrong type ({type(value).__name__})")
    return value


def _json_field(row: dict[str, Any], name: str, kind: type) -> Any:
    """A field that datasets ship either as JSON text or already decoded."""
    value = _field(row, name, (str, kind))
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _bad(name, "is not valid JSON") from None
    if not isinstance(value, kind):
        raise _bad(name, f"must hold a JSON {kind.__name__}")
    return value


def _text(v: Any, field: str) -> str:
    """APPS-style stdio data: a string, or a list of lines."""
    if isinstance(v, str):
        return v
    if isinstance(v, list) and all(isinstance(x, str) for x in v):
        return "\n".join(v)
    raise _bad(field, "each input and output must be a string or a list of lines")


def _humaneval(row: dict[str, Any]) -> dict[str, Any]:
    prompt = _field(row, "prompt", str)
    # The prompt's definitions (helpers such as `poly` in HumanEval/32) are trusted context of the
    # checker, and run before the solution's code as they do in HumanEval's own harness.
    return {
        "entry_point": _field(row, "entry_point", str),
        "test_code": _field(row, "test", str),
        "context": prompt,
        "prelude": prompt,
    }


def _mbpp(row: dict[str, Any]) -> dict[str, Any]:
    tests = _field(row, "test_list", list)
    if not all(isinstance(t, str) for t in tests):
        raise _bad("test_list", "must be a list of strings")
    imports = row.get("test_imports") or []
    if not isinstance(imports, list) or not all(isinstance(t, str) for t in imports):
        raise _bad("test_imports", "must be a list of strings")
    setup = row.get("test_setup_code") or ""
    if not isinstance(setup, str):
        raise _bad("test_setup_code", "must be a string")
    # The reference solution's own imports stand in for `test_imports` that a copy of the data dropped.
    code = row["code"] if isinstance(row.get("code"), str) else ""
    context = "\n".join([*imports, top_level_imports(code), setup]).strip()
    # The functions the reference solution defines are the solution's interface, even one named `sum`.
    ref: dict[str, Any] = {"asserts": tests, "interface": defined_names(code)}
    return {**ref, "context": context} if context else ref


def _apps(row: dict[str, Any]) -> dict[str, Any]:
    io_ = _json_field(row, "input_output", dict)
    inputs, outputs = io_.get("inputs"), io_.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise _bad("input_output", "needs `inputs` and `outputs`, two lists of the same length")
    if not inputs:
        raise _bad("input_output", "has no tests")
    fn_name = row.get("fn_name") or io_.get("fn_name")
    if fn_name:
        if not isinstance(fn_name, str):
            raise _bad("fn_name", "must be a string")
        return {"entry_point": fn_name, "compare": "python", "cases": _apps_cases(inputs, outputs)}
    pairs = zip(inputs, outputs, strict=True)
    stdio = [{"input": _text(i, "input_output"), "output": _text(o, "input_output")} for i, o in pairs]
    return {"stdio": stdio}


def _apps_cases(inputs: list[Any], outputs: list[Any]) -> list[dict[str, Any]]:
    cases = []
    for args, out in zip(inputs, outputs, strict=True):
        # APPS wraps a call's output in a one-element list; its judge accepts the output or that element
        # (only a one-element list: accepting the first element of a longer one would pass half answers).
        also = [out[0]] if isinstance(out, list) and len(out) == 1 else []
        cases.append({"args": args if isinstance(args, list) else [args], "expected": out, "also": also})
    return cases


class _PlainUnpickler(pickle.Unpickler):
    """Strings, numbers, lists and dicts only: no class is ever looked up, so nothing runs."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def _lcb_tests(value: Any, field: str) -> list[Any]:
    """LiveCodeBench test cases: JSON text, or base64(zlib(pickle(JSON text))) for the private ones."""
    if isinstance(value, list):
        return value
    if not isinstance(value, str):
        raise _bad(field, "must be a list or a string")
    if not value.strip():
        return []
    try:
        tests = json.loads(value)
    except (ValueError, RecursionError):
        tests = _lcb_inflate(value, field)
    if not isinstance(tests, list):
        raise _bad(field, "must hold a list of test cases")
    return tests


def _lcb_inflate(value: str, field: str) -> Any:
    try:
        raw = base64.b64decode(value, validate=False)
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, _MAX_INFLATED)
        if inflater.unconsumed_tail:
            raise _bad(field, f"inflates to more than {_MAX_INFLATED >> 20} MiB")
        text = _PlainUnpickler(io.BytesIO(data)).load()
        return json.loads(text) if isinstance(text, str | bytes) else text
    except RequestError:
        raise
    except (binascii.Error, zlib.error, pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise _bad(field, f"is neither JSON nor LiveCodeBench's compressed form ({exc})") from None


def _lcb_case(t: dict[str, Any]) -> dict[str, Any]:
    try:
        args = [json.loads(line) for line in str(t["input"]).split("\n") if line.strip()]
        expected = json.loads(str(t["output"]))
    except (ValueError, RecursionError):
        raise _bad("public_test_cases", "a functional test's input and output must be JSON") from None
    return {"args": args, "expected": expected}


def _livecodebench(row: dict[str, Any]) -> dict[str, Any]:
    tests = _lcb_tests(_field(row, "public_test_cases", (str, list)), "public_test_cases")
    tests += _lcb_tests(row.get("private_test_cases") or [], "private_test_cases")
    if not tests or not all(isinstance(t, dict) and "input" in t and "output" in t for t in tests):
        raise _bad("public_test_cases", "needs test cases with `input` and `output`")
    kinds = {t.get("testtype", "stdin") for t in tests}
    if kinds == {"stdin"}:
        return {"stdio": [{"input": str(t["input"]), "output": str(t["output"])} for t in tests]}
    if kinds != {"functional"}:
        raise _bad("public_test_cases", f"mixes test types {sorted(map(str, kinds))}")
    meta = _json_field(row, "metadata", dict) if "metadata" in row else {}
    fn_name = meta.get("func_name")
    if not isinstance(fn_name, str):
        raise _bad("metadata", "functional tests need `func_name`")
    return {"entry_point": fn_name, "compare": "python", "cases": [_lcb_case(t) for t in tests]}


def _codecontests(row: dict[str, Any]) -> dict[str, Any]:
    stdio = []
    for name in ("public_tests", "private_tests", "generated_tests"):
        group = row.get(name) or {"input": [], "output": []}
        if not isinstance(group, dict):
            raise _bad(name, "must be {input: [...], output: [...]}")
        ins, outs = group.get("input"), group.get("output")
        if not isinstance(ins, list) or not isinstance(outs, list) or len(ins) != len(outs):
            raise _bad(name, "must be {input: [...], output: [...]} with lists of the same length")
        stdio += [{"input": _text(i, name), "output": _text(o, name)} for i, o in zip(ins, outs, strict=True)]
    if not stdio:
        raise _bad("public_tests", "the row has no tests")
    return {"stdio": stdio}


def _pytest(row: dict[str, Any]) -> dict[str, Any]:
    name = "test_code" if "test_code" in row or "test" not in row else "test"
    return {"pytest": _field(row, name, str)}


FORMATS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "humaneval": _humaneval,
    "mbpp": _mbpp,
    "apps": _apps,
    "taco": _apps,
    "livecodebench": _livecodebench,
    "codecontests": _codecontests,
    "kodcode": _pytest,
    "pytest": _pytest,
}


def from_dataset(row: dict[str, Any]) -> dict[str, Any]:
    """The scorer's reference for a dataset row with `format`; `RequestError` (422) if it does not fit."""
    fmt = row.get("format")
    if fmt not in FORMATS:
        raise _bad("format", f"unknown format {str(fmt)[:40]!r}; use one of {', '.join(FORMATS)}")
    ref = FORMATS[str(fmt)](row)
    ref.setdefault("language", "python")
    for key in _PASSED:
        if key in row:
            ref[key] = row[key]
    return ref
