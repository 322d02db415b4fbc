"""Adversarial corpora for every scorer and an auditor for scorers and rollout logs.

`run_audit` sends the shipped probes (known reward hacks, each with the honest ceiling it may score)
to a target — an in-process `Engine` or any server speaking the HTTP contract — and reports every
gap; `audit_rollouts` flags suspicious patterns in a user's logged rollouts and can re-score them;
`run_mutate` derives hacks and faithful rewrites from a user's (response, reference) pairs (`read_pairs`)
and scores them. `audit_html`, `rollouts_html` and `mutate_html` render each report as one HTML page.
"""

from veriward.audit._corpus import CorpusError, Probe, load_corpus, sources
from veriward.audit._html import audit_html, mutate_html, rollouts_html
from veriward.audit._mutate_run import MutateReport, read_pairs, run_mutate
from veriward.audit._report import AuditReport, ProbeRow, RolloutReport
from veriward.audit._rollouts import Rollout, audit_rollouts, parse_rollout, read_jsonl
from veriward.audit._runner import judge, run_audit
from veriward.audit._targets import LocalTarget, RemoteTarget, Scored, Target

__all__ = [
    "AuditReport",
    "CorpusError",
    "LocalTarget",
    "MutateReport",
    "Probe",
    "ProbeRow",
    "RemoteTarget",
    "Rollout",
    "RolloutReport",
    "Scored",
    "Target",
    "audit_html",
    "audit_rollouts",
    "judge",
    "load_corpus",
    "mutate_html",
    "parse_rollout",
    "read_jsonl",
    "read_pairs",
    "rollouts_html",
    "run_audit",
    "run_mutate",
    "sources",
]
