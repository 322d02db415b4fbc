"""`POST /v1/audit` on a real server, and the acceptance run: the full corpora against a live server."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from veriward.audit import AuditReport, RemoteTarget, load_corpus, run_audit

KEY = {"Authorization": "Bearer audit-key"}
PROBES = ["math-or-boxed", "math-control-plain", "math-dos-tower"]


def test_audit_endpoint_needs_the_key_and_runs_probes(make_server: Callable[..., Any]) -> None:
    server = make_server(api_key="audit-key")
    with server.client() as c:
        assert c.post("/v1/audit", json={"probes": PROBES}).status_code == 401
        r = c.post("/v1/audit", json={"probes": PROBES}, headers=KEY)
        assert r.status_code == 200, r.text
        report = AuditReport.model_validate(r.json())
        assert sorted(row.id for row in report.probes) == sorted(PROBES)
        assert report.gaps == sum(row.status == "gap" for row in report.probes)
        rows = {row.id: row for row in report.probes}
        assert rows["math-or-boxed"].status == "held" and rows["math-control-plain"].status == "ok"
        assert rows["math-dos-tower"].elapsed_s is not None and rows["math-dos-tower"].elapsed_s < 5
        bad = c.post("/v1/audit", json={"probes": ["no-such-probe"]}, headers=KEY)
        assert bad.status_code == 422 and "no-such-probe" in bad.text


def test_audit_endpoint_rescores_rollouts(make_server: Callable[..., Any]) -> None:
    server = make_server()
    log = [
        {
            "id": "a",
            "request": {"verifier": "math", "response": r"\boxed{3 \text{ or } 4}", "reference": "3"},
            "reward": 1,
        },
        {"id": "b", "verifier": "math", "response": r"\boxed{3}", "reference": "3", "reward": 1},
    ]  # fmt: skip
    with server.client() as c:
        r = c.post("/v1/audit", json={"rollouts": log, "rescore": True})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["kind"] == "rollouts" and body["flagged"] == 1 and body["inflated"] == 1
        assert {x["id"]: x["inflated"] for x in body["rescored"]} == {"a": True, "b": False}
        assert c.post("/v1/audit", json={"rollouts": [{"reward": 1}]}).status_code == 422


@pytest.mark.slow
@pytest.mark.docker
def test_full_audit_against_a_live_server_has_no_gaps(live_server: Any) -> None:
    """Acceptance: every probe of every scorer, through HTTP, against the real scorers and sandbox."""

    async def audit() -> AuditReport:
        async with RemoteTarget(live_server.url) as target:
            return await run_audit(target, load_corpus(), concurrency=4)

    report = asyncio.run(audit())
    # Without a Lean toolchain the lean scorer answers `error`: those probes are not exercised here
    # (reported as such, never counted as held).
    no_lean = shutil.which("lake") is None and shutil.which("lean") is None
    unexercised = [r for r in report.probes if r.status == "unexercised"]
    assert all(r.scorer == "lean" for r in unexercised) and (no_lean or not unexercised)
    bad = [r for r in report.probes if r.status not in ("held", "ok", "unexercised")]
    listing = "\n".join(f"{r.id} [{r.status}] score={r.score} ceiling={r.ceiling}: {r.why}" for r in bad)
    assert report.gaps == 0 and not bad, f"{len(bad)} probes not held:\n{listing}"
