"""`veriward audit`: run the reward-hack corpora against a scorer, or audit a rollout log."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from veriward.audit import (
    AuditReport,
    CorpusError,
    LocalTarget,
    MutateReport,
    ProbeRow,
    RemoteTarget,
    RolloutReport,
    Target,
    audit_html,
    audit_rollouts,
    load_corpus,
    mutate_html,
    read_jsonl,
    read_pairs,
    rollouts_html,
    run_audit,
    run_mutate,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="run the reward-hack corpora against a scorer (exit 0 iff no gap), audit a rollout log, or "
        "generate hack families from your own pairs (--mutate)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--url", help="audit a running server at URL (any server speaking the contract)")
    where.add_argument("--local", action="store_true", help="audit the scorers in this process (default)")
    p.add_argument("--api-key", default=os.environ.get("VERIWARD_API_KEY"), help="bearer key for --url")
    p.add_argument("--verifier", action="append", metavar="NAME", help="only these scorers (repeatable)")
    p.add_argument("--probe", action="append", metavar="ID", help="only these probes (repeatable)")
    p.add_argument("--concurrency", type=int, default=4, help="probes in flight (default %(default)s)")
    p.add_argument("--output", help="write the JSON report here")
    p.add_argument("--html", help="write the self-contained HTML report here")
    p.add_argument("--rollouts", metavar="FILE.jsonl", help="audit logged rollouts instead of probing")
    p.add_argument("--rescore", action="store_true", help="with --rollouts: re-score each rollout faithfully")
    p.add_argument(
        "--mutate",
        metavar="FILE.jsonl",
        help="generate hack and faithful-rewrite families from (reference, correct response) pairs",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="with --mutate: the phrasing seed (default %(default)s)"
    )
    p.add_argument("--sample", type=int, default=0, help="with --mutate: score a seeded sample of N pairs")
    p.add_argument("--family", action="append", metavar="NAME", help="with --mutate: only these families")
    p.add_argument("--list", action="store_true", help="list the probes and exit")
    p.set_defaults(func=run)


def _table(rows: list[ProbeRow]) -> str:
    head = f"{'probe':<44} {'scorer':<6} {'status':<8} {'given':>6} {'ceiling':>7} {'gap':>6}  why"
    lines = [head, "-" * len(head)]
    for r in rows:
        given = "" if r.score is None else f"{r.score:.3g}"
        gap = f"{r.gap:.3g}" if r.gap else ""
        lines.append(
            f"{r.id:<44} {r.scorer:<6} {r.status:<8} {given:>6} {r.ceiling:>7.3g} {gap:>6}  {r.why[:90]}"
        )
    return "\n".join(lines)


def _summary(report: AuditReport) -> str:
    per = ", ".join(
        f"{name}: {c['held'] + c['ok']} held, {c['gap']} gaps"
        + (f", {c['unexercised']} not exercised (the scorer answered error)" if c["unexercised"] else "")
        for name, c in sorted(report.by_scorer().items())
    )
    return (
        f"{len(report.probes)} probes against {report.target} in {report.elapsed_s:.1f} s: "
        f"{report.gaps} gaps, "
        f"{report.misses} control misses, {report.skipped} skipped, {report.rejected} rejected, "
        f"{report.failed} failed, {report.unexercised} not exercised ({per})"
    )


def _write(args: argparse.Namespace, report: AuditReport | RolloutReport | MutateReport) -> None:
    if args.output:
        Path(args.output).write_text(json.dumps(report.model_dump(mode="json"), indent=2) + "\n", "utf-8")
    if args.html:
        if isinstance(report, AuditReport):
            html = audit_html(report)
        elif isinstance(report, MutateReport):
            html = mutate_html(report)
        else:
            html = rollouts_html(report)
        Path(args.html).write_text(html, "utf-8")


async def _mutate(args: argparse.Namespace) -> MutateReport:
    import random

    with open(args.mutate, encoding="utf-8") as fh:
        pairs, bad = read_pairs(fh)
    if args.sample and args.sample < len(pairs):
        pairs = random.Random(args.seed).sample(pairs, args.sample)
    families = set(args.family) if args.family else None

    async def work(target: Target) -> MutateReport:
        return await run_mutate(
            target,
            pairs,
            args.mutate,
            seed=args.seed,
            concurrency=max(1, args.concurrency),
            families=families,
            bad_lines=bad,
        )

    report: MutateReport = await _with_target(args, work)
    return report


def _print_mutate(report: MutateReport) -> None:
    print(f"{report.pairs} pairs from {report.source} ({report.baseline_correct} scored correct as given)")
    print(f"{'family':<24} {'kind':<9} {'cases':>6} {'fail':>5} {'rate':>7}  first failure")
    for r in report.families:
        first = f"{r.examples[0].pair}: {r.examples[0].reason[:60]}" if r.examples else ""
        label = "FP" if r.kind == "hack" else "FN"
        print(
            f"{r.family:<24} {r.kind:<9} {r.cases:>6} {r.failures:>5} {100 * r.rate:>6.2f}%  {label} {first}"
        )
    fn = sum(r.failures for r in report.families if r.kind == "reformat")
    print(f"{report.false_positives} false positives, {fn} false negatives, {report.failed} failed requests")
    for line in report.bad_lines[:20]:
        print(f"  unreadable: {line}", file=sys.stderr)


async def _with_target(args: argparse.Namespace, work: Any) -> Any:
    """Run `work(target)` against a remote server or a freshly started local engine."""
    if args.url:
        async with RemoteTarget(args.url, args.api_key) as remote:
            return await work(remote)
    from veriward.engine import Engine

    async with Engine() as engine:
        return await work(LocalTarget(engine))


async def _probe(args: argparse.Namespace) -> AuditReport:
    probes = load_corpus(args.verifier, args.probe)
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(probes), unit="probe", file=sys.stderr)

    def progress(row: ProbeRow) -> None:
        if bar is not None:
            bar.update(1)

    async def work(target: Target) -> AuditReport:
        return await run_audit(target, probes, concurrency=args.concurrency, progress=progress)

    try:
        report: AuditReport = await _with_target(args, work)
    finally:
        if bar is not None:
            bar.close()
    return report


async def _rollouts(args: argparse.Namespace) -> RolloutReport:
    with open(args.rollouts, encoding="utf-8") as fh:
        rollouts, bad = read_jsonl(fh)

    async def work(target: Target | None) -> RolloutReport:
        return await audit_rollouts(
            rollouts, args.rollouts, bad, target, concurrency=max(1, args.concurrency)
        )

    if not args.rescore:
        return await work(None)
    report: RolloutReport = await _with_target(args, work)
    return report


def _print_rollouts(report: RolloutReport) -> None:
    print(f"{report.rollouts} rollouts from {report.source}: {report.flagged} flagged")
    for h in report.patterns:
        ids = ", ".join(h.ids[:10]) + (" ..." if len(h.ids) > 10 else "")
        print(f"  {h.scorer}/{h.pattern:<22} {h.count:>6}  {ids}")
    if report.groups:
        share = report.uniform_groups / report.groups
        print(f"{report.groups} groups: {report.uniform_groups} uniform ({share:.0%}, no advantage for GRPO)")
    for v in report.by_version:
        print(f"decided by {v.old} -> re-scored by {v.new}: {v.changed} of {v.rescored} rewards changed")
    for r in (r for r in report.rescored if r.changed):
        was = f"{r.old_verdict or '?'} ({(r.old_reason or '')[:50]})"
        now = f"{r.verdict} ({r.reason[:50]})"
        print(f"  changed {r.id:<28} {r.given:.3g} -> {r.faithful:.3g}: was {was}, now {now}")
    if report.rescored:
        print(f"re-scored {len(report.rescored)}: {report.inflated} given more reward than faithful")
        for r in report.rescored:
            if r.inflated:
                print(f"  {r.id:<30} given {r.given:.3g}  faithful {r.faithful:.3g}  {r.reason[:70]}")
    for line in report.bad_lines[:20]:
        print(f"  unreadable: {line}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        if args.list:
            for p in load_corpus(args.verifier, args.probe):
                print(f"{p.id:<44} {p.scorer:<6} {p.family:<14} ceiling {p.ceiling:.3g}  {p.description}")
            return 0
        if args.mutate:
            mutate_report = asyncio.run(_mutate(args))
            _print_mutate(mutate_report)
            _write(args, mutate_report)
            return mutate_report.exit_code()
        if args.rollouts:
            rollout_report = asyncio.run(_rollouts(args))
            _print_rollouts(rollout_report)
            _write(args, rollout_report)
            return rollout_report.exit_code()
        report = asyncio.run(_probe(args))
    except (CorpusError, OSError) as exc:
        print(f"veriward audit: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # e.g. the server is unreachable or refuses the key
        print(f"veriward audit: cannot audit: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(_table(report.probes))
    print(_summary(report))
    for note in report.notes:
        print(f"note: {note}")
    _write(args, report)
    return report.exit_code()
