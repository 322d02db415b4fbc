"""Adding a language is one `Language` plus its harness file: here `sh` (in the Python runner image and on
the host), defined in tests/_sh_language.py (the module the docs' example shows), with its function-call
harness in tests/harness/vw_harness_sh.py, and registered by this test alone. Nothing else in veriward
changes, and it is scored through the real sandbox on both backends."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from _sh_language import SH

from veriward import Engine, RequestError, Settings, Verdict
from veriward.sandbox import DEFAULT_IMAGE, doctor
from veriward.verifiers.code import LANGUAGES, Language, image_for, register_language

BACKENDS = [
    pytest.param("process", id="process"),
    pytest.param("docker", id="docker", marks=pytest.mark.docker),
]


def _usable(backend: str) -> None:
    """Skip (saying why) when `backend` cannot run here: no bubblewrap, or no Docker engine or image."""
    if backend == "process" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    if backend == "docker":
        status = {s.name: s for s in doctor(DEFAULT_IMAGE)}["docker"]
        if not status.ok:
            pytest.skip(f"Docker cannot run the Python runner image here: {status.reason}")


@pytest.fixture
def sh() -> Iterator[None]:
    register_language(SH)
    yield
    LANGUAGES.pop("sh")


def _req(response: str, **reference: Any) -> dict[str, Any]:
    return {"verifier": "code", "response": response, "reference": {"language": "sh", **reference}}


DOUBLE = "```sh\ndouble() {\n  echo $(( $1 * 2 ))\n}\n```\n"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_registered_language_is_scored_end_to_end(sh: None, backend: str) -> None:
    _usable(backend)
    assert image_for("sh", DEFAULT_IMAGE) == DEFAULT_IMAGE  # its runner image is Python's
    cases = [{"args": [3], "expected": "6"}, {"args": [-4], "expected": "-8"}]
    stdio = [{"input": "5\n", "output": "10\n"}, {"input": "0\n", "output": "0\n"}]
    async with Engine(Settings(sandbox=backend, sandbox_warm=0, pool_workers=1)) as e:
        by_call = await e.score(_req(DOUBLE, entry_point="double", cases=cases))
        by_stdio = await e.score(_req("```sh\nread x\necho $((x * 2))\n```", stdio=stdio))
        wrong = await e.score(_req(DOUBLE.replace("* 2", "+ 2"), entry_point="double", cases=cases))
        exits = await e.score(_req("```sh\nexit 0\n" + DOUBLE[6:], entry_point="double", cases=cases))
        broken = await e.score(_req("```sh\ndouble() {\n```", stdio=stdio))
        assert "sh" in {v.name: v.info for v in e.describe()}["code"]["languages"]
    assert (by_call.verdict, by_call.score) == (Verdict.CORRECT, 1.0), by_call.details
    assert (by_stdio.verdict, by_stdio.score) == (Verdict.CORRECT, 1.0), by_stdio.details
    assert wrong.verdict == Verdict.INCORRECT and wrong.score == 0.0
    assert exits.verdict == Verdict.INCORRECT and exits.score == 0.0  # `exit` never reaches the call
    assert broken.verdict == Verdict.INCORRECT and broken.reason == "compile error"
    assert broken.details["compile"]["status"] == "failed"


async def test_what_the_language_cannot_do_is_a_422(sh: None) -> None:
    e = Engine(Settings(pool_workers=1))
    kwargs = [{"args": [], "kwargs": {"x": 1}, "expected": "1"}]
    with pytest.raises(RequestError, match="`kwargs` are Python only"):
        e.validate(_req(DOUBLE, entry_point="double", cases=kwargs))
    with pytest.raises(RequestError, match="`asserts` is Python only"):
        e.validate(_req(DOUBLE, asserts=["assert double(1) == 2"]))
    with pytest.raises(RequestError, match="`prelude` is Python only"):
        e.validate(_req(DOUBLE, stdio=[{"input": "", "output": ""}], prelude="x = 1"))


def test_cases_without_a_way_to_call_are_refused() -> None:
    with pytest.raises(ValueError, match="case_run"):
        register_language(Language(name="nocall", tags=frozenset(), source="a", modes=frozenset({"cases"})))
    assert "nocall" not in LANGUAGES
