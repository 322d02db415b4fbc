"""Re-scoring a stored rollout log with another scorer version lists exactly the rewards that changed,
per (old scorer, new scorer), with the old verdict and reason beside the new; groups are tallied."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import LiveServer

OLD = {"name": "math", "version": "0.0.1", "policy": "0123456789abcdef"}


def test_rescore_lists_exactly_the_changed_rewards(live_server: LiveServer, tmp_path: Path) -> None:
    requests = [
        {"verifier": "math", "response": rf"\boxed{{{i % 3}}}", "reference": "1", "id": f"r{i}",
         "metadata": {"group_id": f"g{i // 4}"}}
        for i in range(12)
    ]  # fmt: skip
    with live_server.client() as c:
        results = c.post("/v1/score/batch", json={"requests": requests}).json()["results"]
    lines: list[dict[str, Any]] = []
    flipped = {"r0", "r4", "r7"}
    for req, res in zip(requests, results, strict=True):
        if req["id"] in flipped:  # what an older scorer had decided for these
            res = {
                **res,
                "score": 1.0 - res["score"],
                "verdict": "other",
                "reason": "old rule",
                "scorer": OLD,
            }
        lines.append({"id": req["id"], "request": req, "result": res})
    log = tmp_path / "rollouts.jsonl"
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "veriward", "audit", "--rollouts", str(log), "--rescore"]
    cmd += ["--url", live_server.url, "--output", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    report = json.loads(out.read_text())
    changed = {r["id"] for r in report["rescored"] if r["changed"]}
    assert changed == flipped, (changed, run.stdout[-2000:])
    assert report["changed"] == 3
    by = {(v["old"].split()[1], v["changed"], v["rescored"]) for v in report["by_version"]}
    assert ("0.0.1", 3, 3) in by and any(old != "0.0.1" and c == 0 and n == 9 for old, c, n in by)
    row = next(r for r in report["rescored"] if r["id"] == "r0")
    assert row["old_verdict"] == "other" and row["old_reason"] == "old rule" and row["verdict"] != "other"
    assert "0.0.1" in (row["old_scorer"] or "") and row["new_scorer"].startswith("math ")
    assert report["groups"] == 3
    assert "3 of 3 rewards changed" in run.stdout and "changed r0" in run.stdout
