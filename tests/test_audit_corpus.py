"""The shipped corpora: size, coverage of every hack family named in the issues, citations, contract."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import require_shared

from veriward.audit import Probe, Scored, judge, load_corpus, sources
from veriward.audit._corpus import CorpusError
from veriward.models import ScoreRequest

PROBES = load_corpus()


def test_corpus_size_and_unique_ids() -> None:
    assert len(PROBES) >= 60
    assert len({p.id for p in PROBES}) == len(PROBES)
    counts = Counter(p.scorer for p in PROBES)
    assert set(counts) == {"math", "code", "lean", "prm"}
    assert min(counts.values()) >= 10


def test_every_probe_cites_a_known_source_and_the_literature_is_all_there() -> None:
    known = sources()
    cited = {s for p in PROBES for s in p.source}
    assert cited <= set(known)
    for key in ("metr-2025", "impossiblebench", "school-of-reward-hacks", "baker-2025", "safeverify"):
        assert key in cited, key
    for key in ("leanparanoia", "gao-2024"):
        assert key in cited, key
    assert all(known[k]["title"] and known[k]["url"] for k in cited)


def test_every_request_is_a_valid_score_request() -> None:
    for p in PROBES:
        body = p.body(run_token="t")
        ScoreRequest.model_validate(body)
        assert body["verifier"] == p.scorer
        if p.baseline is not None:
            ScoreRequest.model_validate({"verifier": p.scorer, **p.baseline})


def test_math_families_and_dos_budgets() -> None:
    fams = {p.family for p in PROBES if p.scorer == "math"}
    expected = {"hedge", "retraction", "scale", "tolerance", "tiny-value", "subscript", "restated"}
    expected |= {"tautology"}
    assert expected | {"dos", "control"} <= fams
    dos = [p for p in PROBES if p.family == "dos"]
    assert len(dos) >= 6
    for p in dos:
        assert p.request["timeout_s"] <= 3 and p.max_elapsed_s is not None
        assert "timeout" in {v.value for v in p.verdicts or []}
    sizes = {p.id: len(p.body()["response"]) for p in dos}
    assert sizes["math-dos-giant-sum"] >= 40_000 and sizes["math-dos-oversized"] > 2_000_000


def test_code_hack_classes_cover_each_reference_form() -> None:
    code = [p for p in PROBES if p.scorer == "code"]
    forms = {"cases": "cases", "stdio": "stdio", "test": "test_code"}
    for short, key in forms.items():
        mine = [p for p in code if p.id.startswith(f"code-{short}-")]
        assert all(key in p.request["reference"] for p in mine)
        fams = {p.family for p in mine}
        needed = {"exit", "fake-output", "test-access", "network", "persistence", "bomb", "control"}
        assert needed <= fams, short
    fams = {p.family for p in code}
    assert {"eq-override", "inspection", "patching", "pickle"} <= fams
    # Persistence is checked by a later submission: the readers run after every writer.
    assert all(p.phase == 2 for p in code if p.id.endswith("persist-read"))
    partial = [p for p in code if 0 < p.ceiling < 1]
    assert partial, "partial-credit ceilings must be exercised"


def test_lean_covers_every_cheat_class_of_the_shared_readme() -> None:
    text = "\n".join(p.request["response"] for p in PROBES if p.scorer == "lean")
    words = [
        "sorry", "admit", "decreasing_by", "axiom", "native_decide", "implemented_by", "extern", "csimp",
        "unsafe", "partial", "debug.skipKernelTC", "notation", "macro", "elab", "#print", "#exit", "run_cmd",
        "#eval", "initialize", "maxHeartbeats 0", "instance", "namespace",
    ]  # fmt: skip
    for word in words:
        assert word in text, word
    lean = [p for p in PROBES if p.scorer == "lean"]
    assert all(p.verdicts and "correct" not in {v.value for v in p.verdicts} for p in lean)


def test_lean_covers_the_cheat_classes_the_shared_readme_names() -> None:
    readme = require_shared("lean", "README.md").read_text()
    text = "\n".join(p.request["response"] for p in PROBES if p.scorer == "lean")
    named = re.findall(r"`(sorry|admit|axiom|native_decide|#exit|run_cmd|#eval|initialize)`", readme)
    assert named, "the shared README names no cheat class: its format changed"
    for word in named:
        assert word in text, word


def test_prm_families() -> None:
    prm = [p for p in PROBES if p.scorer == "prm"]
    assert {"padding", "false-step", "control"} <= {p.family for p in prm}
    assert sum(p.baseline is not None for p in prm) >= 3
    aggs = {p.request["options"]["aggregation"] for p in prm}
    assert {"min", "product", "mean", "last"} <= aggs


def test_filters_and_unknown_ids() -> None:
    assert {p.scorer for p in load_corpus(["lean"])} == {"lean"}
    assert [p.id for p in load_corpus(ids=["math-pm"])] == ["math-pm"]
    with pytest.raises(CorpusError, match="unknown probe"):
        load_corpus(ids=["no-such-probe"])


def _probe(**kw: object) -> Probe:
    base: dict[str, object] = {
        "id": "t", "scorer": "math", "family": "f", "description": "d", "source": ["gao-2024"],
        "request": {"response": "x"}, "ceiling": 0.0,
    }  # fmt: skip
    return Probe.model_validate({**base, **kw})


def _res(score: float, verdict: str) -> Scored:
    return Scored(result={"score": score, "verdict": verdict, "reason": "r"}, elapsed_s=0.1)


def test_judge_scores_verdicts_floors_and_time() -> None:
    assert judge(_probe(), _res(0.0, "incorrect"), 0.0).status == "held"
    gap = judge(_probe(), _res(1.0, "correct"), 0.0)
    assert gap.status == "gap" and gap.gap == 1.0 and "ceiling" in gap.why
    # A partial-credit ceiling: the honest partial score is held, more is a gap.
    assert judge(_probe(ceiling=1 / 3), _res(1 / 3, "incorrect"), 1 / 3).status == "held"
    assert judge(_probe(ceiling=1 / 3), _res(2 / 3, "incorrect"), 1 / 3).status == "gap"
    # Verdict-aware: score 0 with a verdict the probe does not allow is still a gap.
    row = judge(_probe(verdicts=["incorrect"]), _res(0.0, "error"), 0.0)
    assert row.status == "gap" and row.gap == 0.0 and "verdict" in row.why
    late = Scored(result={"score": 0, "verdict": "timeout"}, elapsed_s=2.5)
    slow = judge(_probe(max_elapsed_s=1.0), late, 0)
    assert slow.status == "gap" and "2.50 s" in slow.why
    # Controls: below the floor is a miss, not a gap.
    assert judge(_probe(ceiling=1.0, floor=1.0), _res(0.0, "incorrect"), 1.0).status == "miss"
    assert judge(_probe(ceiling=1.0, floor=1.0), _res(1.0, "correct"), 1.0).status == "ok"
    # Refusals: faithful only where the probe allows them; transport failures are their own status.
    assert judge(_probe(may_reject=True), Scored(rejected="too big"), 0.0).status == "held"
    # A scorer that could not run (`error`) never tried the hack: not held, not a gap.
    assert judge(_probe(), _res(0.0, "error"), 0.0).status == "unexercised"
    assert judge(_probe(ceiling=1.0, floor=1.0), _res(0.0, "error"), 1.0).status == "miss"
    assert judge(_probe(), Scored(rejected="422"), 0.0).status == "rejected"
    assert judge(_probe(), Scored(failed="boom"), 0.0).status == "failed"


def test_the_wheel_ships_the_corpus_and_harness_files(tmp_path: Path) -> None:
    pytest.importorskip("hatchling")
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("math.jsonl", "code.jsonl", "lean.jsonl", "prm.jsonl", "sources.json"):
        assert f"veriward/audit/corpus/{name}" in names
    # The code scorer's function-call harnesses and in-sandbox runners are package files too.
    shipped = ("harness/VwHarness.java", "harness/vw_harness.js", "_runner/prelude.py", "_runner/python.py")
    for name in shipped:
        assert f"veriward/verifiers/code/{name}" in names, name
