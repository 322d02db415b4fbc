"""The public surface, pinned: what `import veriward` and its public subpackages export. Changing it is a
deliberate act (this test changes with it); private `_modules` are not part of it."""

from __future__ import annotations

import importlib
from pathlib import Path

import veriward

PUBLIC = {
    "veriward": [
        "AsyncClient", "AsyncVerifier", "BatchRequest", "BatchResponse", "Client", "ClientError", "Engine",
        "GroupRequest", "GroupResult", "GroupStats", "Outcome", "Overloaded", "PooledVerifier",
        "RequestError", "ScoreRequest", "ScoreResult",
        "ScorerUnavailable", "Settings", "SyncEngine", "Verdict", "Verifier", "VerifierInfo", "VeriwardError",
        "__version__", "get_settings", "reward", "score",
    ],
    "veriward.audit": [
        "AuditReport", "CorpusError", "LocalTarget", "MutateReport", "Probe", "ProbeRow", "RemoteTarget",
        "Rollout", "RolloutReport", "Scored", "Target", "audit_html", "audit_rollouts", "judge",
        "load_corpus", "mutate_html", "parse_rollout", "read_jsonl", "read_pairs", "rollouts_html",
        "run_audit", "run_mutate", "sources",
    ],
    "veriward.server": ["create_app", "serve"],
}  # fmt: skip


def test_exports_are_pinned_and_importable() -> None:
    for name, exported in PUBLIC.items():
        module = importlib.import_module(name)
        assert sorted(module.__all__) == sorted(exported), name
        for attr in exported:
            assert hasattr(module, attr), f"{name}.{attr}"


def test_every_public_module_says_what_it_exports() -> None:
    # A docstring that names an export the module does not have is a broken promise to its reader.
    for name in PUBLIC:
        module = importlib.import_module(name)
        doc = module.__doc__ or ""
        for word in {w.strip("`,.()") for w in doc.split() if w.startswith("`") and w.endswith("`")}:
            if word.isidentifier() and not word[0].isupper() and "_" in word:
                assert hasattr(module, word), f"{name} docstring names {word!r}, which it does not export"


def test_the_package_is_typed() -> None:
    assert (Path(veriward.__file__).parent / "py.typed").exists()
