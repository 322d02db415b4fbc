"""Every cheat class is refused through the HTTP API of a real server on a machine without a Lean toolchain;
honest proofs get `error` (never `correct` unchecked) with a reason that says how to install Lean."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import SHARED, LiveServer
from test_lean_gate import CHEATS, HONEST

from veriward.sandbox import ProcessSandbox
from veriward.settings import Settings
from veriward.verifiers.lean import _dojo

MISSING = "veriward-test-no-such-lean-repl"
REFERENCE = {"statement": "theorem t : 2 + 2 = 4", "header": "import Mathlib"}


DOJO_REPO = "https://github.com/yangky11/lean4-example"


@pytest.fixture(scope="module")
def api() -> Iterator[httpx.Client]:
    server = LiveServer(Settings(lean_repl_cmd=MISSING, pool_workers=1, lean_dojo_repos=DOJO_REPO)).start()
    try:
        with server.client() as c:
            yield c
    finally:
        server.stop()


def score(api: httpx.Client, response: str, reference: object = REFERENCE) -> dict:
    r = api.post("/v1/score", json={"verifier": "lean", "response": response, "reference": reference})
    assert r.status_code == 200, r.text
    return dict(r.json())


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_cheat_is_incorrect_over_http(api: httpx.Client, name: str) -> None:
    body = score(api, f"Here is my proof.\n```lean\n{CHEATS[name]}\n```")
    assert body["verdict"] == "incorrect" and body["score"] == 0.0, body
    assert body["details"]["failed_check"] == "gate"
    assert body["reason"].startswith("forbidden construct")
    assert body["details"]["forbidden"][0]["reason"]


def test_import_outside_the_header_is_incorrect(api: httpx.Client) -> None:
    body = score(api, "import Mathlib\nimport MyCheats\ntheorem t : 2 + 2 = 4 := by norm_num")
    assert body["verdict"] == "incorrect" and body["details"]["failed_check"] == "imports"
    assert "MyCheats" in body["reason"]


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_proof_without_toolchain_is_an_error_with_install_help(api: httpx.Client, name: str) -> None:
    body = score(api, f"```lean\n{HONEST[name]}\n```")
    assert body["verdict"] == "error" and body["score"] == 0.0, body
    assert "Lean toolchain is missing" in body["reason"] and "elan" in body["reason"]
    assert body["details"]["failed_check"] == "toolchain"


def test_batch_mixes_cheats_and_honest_proofs(api: httpx.Client) -> None:
    items = [
        {"verifier": "lean", "response": CHEATS["native_decide"], "reference": REFERENCE},
        {"verifier": "lean", "response": HONEST["sorry_free_name"], "reference": REFERENCE},
        {"verifier": "lean", "response": CHEATS["debug_skipKernelTC"], "reference": REFERENCE},
    ]
    r = api.post("/v1/score/batch", json={"requests": items})
    assert r.status_code == 200
    assert [x["verdict"] for x in r.json()["results"]] == ["incorrect", "error", "incorrect"]


def test_verifiers_endpoint_reports_the_missing_toolchain(api: httpx.Client) -> None:
    (lean,) = [v for v in api.get("/v1/verifiers").json()["verifiers"] if v["name"] == "lean"]
    assert lean["info"]["toolchain"] == "missing"
    assert lean["info"]["lean_version"].startswith("missing:") and MISSING in lean["info"]["lean_version"]
    assert "elan" in lean["info"]["install"]
    assert lean["info"]["repl_cmd"] == MISSING


@pytest.mark.parametrize(
    ("reference", "field"),
    [
        ({"header": "import Mathlib"}, "reference.statement"),
        ({"statement": "def f : ℕ := 1"}, "reference.statement"),
        ({"statement": "theorem t : True", "extra": 1}, "reference"),
        ({"statement": "theorem t : True", "header": 3}, "reference.header"),
        ({"statement": "theorem t : True", "header": "import Mathlib /- open"}, "reference.header"),
        (
            {"statement": "theorem t : True", "header": "import Mathlib\n#eval IO.println 1"},
            "reference.header",
        ),
        (
            {"statement": "theorem t : True", "header": "macro_rules | `(rfl) => `(trivial)"},
            "reference.header",
        ),
        ({"statement": "theorem t : True\naxiom boom : False"}, "reference.statement"),
        ({"repo": "https://github.com/x/y", "theorem": "foo"}, "reference"),
        (42, "reference"),
    ],
)
def test_bad_reference_is_422_naming_the_field(api: httpx.Client, reference: object, field: str) -> None:
    r = api.post("/v1/score", json={"verifier": "lean", "response": "x", "reference": reference})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", *field.split(".")]


def test_lean_dojo_reference_without_the_extra_is_an_error(api: httpx.Client) -> None:
    if _dojo.available():
        pytest.skip("lean_dojo_v2 is installed here; test_lean_integration.py covers it")
    ref = {"repo": DOJO_REPO, "commit": "abc1234", "file": "Lean4Example.lean", "theorem": "hello_world"}
    body = score(api, "by simp", ref)
    assert body["verdict"] == "error" and "lean-dojo" in body["reason"]
    cheat = score(api, "by native_decide", ref)
    assert cheat["verdict"] == "incorrect"  # the gate runs before any backend


@pytest.mark.parametrize(
    ("ref", "field"),
    [
        ({"repo": "https://evil.example/x", "commit": "abc1234", "file": "A.lean", "theorem": "t"}, "repo"),
        ({"repo": "file:///etc", "commit": "abc1234", "file": "A.lean", "theorem": "t"}, "repo"),
        ({"repo": DOJO_REPO, "commit": "main; rm -rf /", "file": "A.lean", "theorem": "t"}, "commit"),
        ({"repo": DOJO_REPO, "commit": "abc1234", "file": "../../etc/passwd.lean", "theorem": "t"}, "file"),
        ({"repo": DOJO_REPO, "commit": "abc1234", "file": "A.lean", "theorem": "t := by sorry"}, "theorem"),
    ],
)  # fmt: skip
def test_lean_dojo_references_name_only_what_the_operator_allows(
    api: httpx.Client, ref: dict[str, str], field: str
) -> None:
    r = api.post("/v1/score", json={"verifier": "lean", "response": "by simp", "reference": ref})
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == ["body", "reference", field]


def test_large_response_is_gated_too(api: httpx.Client) -> None:
    filler = "-- a long preamble of comments\n" * 20_000  # lexed off the event loop (over 32 KiB)
    body = score(api, filler + "theorem t : 2 + 2 = 4 := by sorry")
    assert body["verdict"] == "incorrect" and body["details"]["forbidden"][0]["line"] == 20_001


# The REPL below is the transcript-replaying child process (tests/lean_fake_repl.py): the one test double,
# because no Lean toolchain can be installed here. It knows no proof, so it can only lead to `error`. It runs
# in the same bubblewrap jail as a real REPL (system Python; the test files bound read-only).
TRANSCRIPT_DIR = SHARED / "lean" / "repl-transcripts"
FAKE_REPL = Path(__file__).with_name("lean_fake_repl.py")
FAKE_CMD = f"/usr/bin/python3 -I {FAKE_REPL} {TRANSCRIPT_DIR}"
JAIL = {"lean_sandbox_paths": f"{FAKE_REPL.parent}:{TRANSCRIPT_DIR}", "lean_kernel_replay": "off"}
needs_transcripts = pytest.mark.skipif(
    not (TRANSCRIPT_DIR / "def_eval.in").exists(), reason="no REPL transcripts"
)
needs_bwrap = pytest.mark.skipif(
    ProcessSandbox().check() is not None or not Path("/usr/bin/python3").exists(),
    reason=f"bubblewrap cannot run here ({ProcessSandbox().check()}) or there is no /usr/bin/python3",
)


@needs_transcripts
@needs_bwrap
def test_pool_behind_the_server_never_says_correct_unchecked(make_server) -> None:
    server = make_server(lean_repl_cmd=FAKE_CMD, lean_default_header="def f := 37", pool_workers=1, **JAIL)
    with server.client() as c:
        ref = {"statement": "theorem t : 2 + 2 = 4"}
        body = score(c, "theorem t : 2 + 2 = 4 := by decide", ref)
        assert body["verdict"] == "error" and body["details"].get("failed_check") == "reference", body
        (lean,) = [v for v in c.get("/v1/verifiers").json()["verifiers"] if v["name"] == "lean"]
        assert lean["info"]["toolchain"] == "found" and lean["info"]["pool"]["started"] == 1
        assert lean["info"]["sandbox"].startswith("bwrap")


@needs_transcripts
@needs_bwrap
def test_a_hanging_repl_is_a_timeout_within_the_budget(make_server) -> None:
    cmd = FAKE_CMD + " 'HANG_ON=: True'"  # the REPL never answers the statement
    server = make_server(lean_repl_cmd=cmd, lean_default_header="def f := 37", pool_workers=1, **JAIL)
    with server.client() as c:
        t0 = time.monotonic()
        r = c.post(
            "/v1/score",
            json={
                "verifier": "lean",
                "response": "theorem t : True := trivial",
                "timeout_s": 2,
                "reference": {"statement": "theorem t : True"},
            },
        )
        assert r.json()["verdict"] == "timeout", r.json()["reason"]
        assert time.monotonic() - t0 < 10
