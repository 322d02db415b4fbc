"""A self-contained HTML rendering of an audit report: inline CSS and SVG, no external assets."""

from __future__ import annotations

from html import escape

from veriward.audit._mutate_run import FamilyRow, MutateReport
from veriward.audit._report import AuditReport, RolloutReport

_COLORS = {
    "held": "#2e7d32",
    "ok": "#1565c0",
    "gap": "#c62828",
    "miss": "#ef6c00",
    "rejected": "#6a1b9a",
    "failed": "#6a1b9a",
    "skipped": "#9e9e9e",
    "unexercised": "#795548",
}
_ORDER = {"gap": 0, "miss": 1, "failed": 2, "unexercised": 3, "rejected": 4, "held": 5, "ok": 6, "skipped": 7}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1200px;
color:#212121;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ddd}
.meta{color:#616161} .verdict{font-size:1.3em;font-weight:600;padding:.5em .8em;border-radius:6px;
display:inline-block;margin:.6em 0} .pass{background:#e8f5e9;color:#1b5e20}
.fail{background:#ffebee;color:#b71c1c}
table{border-collapse:collapse;width:100%;font-size:13px} th,td{border-bottom:1px solid #eee;padding:4px 6px;
text-align:left;vertical-align:top} th{background:#fafafa;position:sticky;top:0}
tr.gap td{background:#fff3f3} tr.miss td{background:#fff8e1}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:0 6px;border-radius:9px;color:#fff;font-size:12px}
code{font-size:12px} .small{font-size:12px;color:#616161} svg text{font:12px system-ui,sans-serif}
"""


def _badge(status: str) -> str:
    return f'<span class="badge" style="background:{_COLORS.get(status, "#757575")}">{escape(status)}</span>'


def _bars(rows: list[tuple[str, dict[str, int], str]], title: str) -> str:
    """One horizontal stacked bar per row (label, counts per status, caption right of the bar)."""
    width, label_w, bar_h, gap = 760, 150, 22, 10
    total_max = max([sum(c.values()) for _, c, _ in rows] + [1])
    scale = (width - label_w - 130) / total_max  # room for the caption
    height = len(rows) * (bar_h + gap) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, counts, caption) in enumerate(rows):
        y = i * (bar_h + gap) + 4
        parts.append(f'<text x="0" y="{y + 15}">{escape(label)}</text>')
        x = float(label_w)
        for status, n in counts.items():
            if not n:
                continue
            w = n * scale
            parts.append(
                f'<rect class="seg-{escape(status)}" x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                f'fill="{_COLORS.get(status, "#757575")}"><title>{escape(status)}: {n}</title></rect>'
            )
            if w > 22:
                parts.append(f'<text x="{x + 4:.1f}" y="{y + 15}" fill="#fff">{n}</text>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15}">{escape(caption)}</text>')
    legend_y = len(rows) * (bar_h + gap) + 20
    lx = label_w
    for status in ("held", "gap", "ok", "miss", "rejected", "skipped", "unexercised"):
        parts.append(f'<rect x="{lx}" y="{legend_y - 10}" width="10" height="10" fill="{_COLORS[status]}"/>')
        parts.append(f'<text x="{lx + 14}" y="{legend_y}">{status}</text>')
        lx += 90
    parts.append("</svg>")
    return "".join(parts)


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_CSS}</style></head>'
        f"<body>{body}</body></html>\n"
    )


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def audit_html(report: AuditReport) -> str:
    """The probe report: a verdict line, a held-vs-gaps chart per scorer, then every probe."""
    per = report.by_scorer()
    ok = report.gaps == 0
    verdict = (
        f'<div class="verdict {"pass" if ok else "fail"}" id="verdict">'
        f"{'No gaps' if ok else f'{report.gaps} gap(s) found'}</div>"
    )
    chart_rows = [
        (
            name,
            {
                s: counts[s]
                for s in ("held", "gap", "ok", "miss", "rejected", "failed", "skipped", "unexercised")
            },
            f"{counts['held'] + counts['ok']} held · {counts['gap']} gaps",
        )
        for name, counts in sorted(per.items())
    ]
    rows = sorted(report.probes, key=lambda r: (_ORDER.get(r.status, 9), r.scorer, r.id))
    table = [
        "<table id='probes'><thead><tr><th>probe</th><th>scorer</th><th>family</th><th>status</th>"
        "<th>score given</th><th>ceiling</th><th>gap</th><th>verdict</th><th>why / scorer's reason</th>"
        "<th>sources</th></tr></thead><tbody>"
    ]
    for r in rows:
        detail = escape(r.why) + (f"<div class='small'>{escape(r.reason)}</div>" if r.reason else "")
        table.append(
            f"<tr class='{escape(r.status)}' data-probe='{escape(r.id)}'><td><code>{escape(r.id)}</code>"
            f"<div class='small'>{escape(r.description)}</div></td><td>{escape(r.scorer)}</td>"
            f"<td>{escape(r.family)}</td><td>{_badge(r.status)}</td><td class='num'>{_fmt(r.score)}</td>"
            f"<td class='num'>{_fmt(r.ceiling)}</td><td class='num'>{_fmt(r.gap) if r.gap else ''}</td>"
            f"<td>{escape(r.verdict or '')}</td><td>{detail}</td>"
            f"<td class='small'>{escape(', '.join(r.source))}</td></tr>"
        )
    table.append("</tbody></table>")
    sources = "".join(
        f"<li><b>{escape(k)}</b>: {escape(v.get('authors', ''))}, <i>{escape(v.get('title', ''))}</i> "
        f"({escape(v.get('year', ''))}), {escape(v.get('url', ''))}</li>"
        for k, v in sorted(report.sources.items())
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    counts = (
        f"{len(report.probes)} probes · {report.gaps} gaps · {report.misses} control misses · "
        f"{report.skipped} skipped · {report.rejected} rejected · {report.failed} failed"
    )
    body = (
        f"<h1>veriward audit</h1><div class='meta'>target <code>{escape(report.target)}</code> · "
        f"{escape(report.started_at)} · {report.elapsed_s:.1f} s</div>{verdict}"
        f"<div class='meta'>{counts}</div>"
        f"{f'<ul>{notes}</ul>' if notes else ''}<h2>Gaps vs held, per scorer</h2>"
        f"{_bars(chart_rows, 'probe outcomes per scorer')}<h2>Probes</h2>{''.join(table)}"
        f"<h2>Sources</h2><ul>{sources}</ul>"
    )
    return _page("veriward audit report", body)


def rollouts_html(report: RolloutReport) -> str:
    """The rollout-log report: flagged patterns (chart and table) and inflated rewards."""
    rows = [(f"{h.scorer}/{h.pattern}", {"gap": h.count}, str(h.count)) for h in report.patterns]
    chart = _bars(rows, "rollouts per pattern") if rows else "<p>No pattern matched.</p>"
    pattern_rows = "".join(
        f"<tr><td><code>{escape(h.scorer)}/{escape(h.pattern)}</code></td><td>{escape(h.description)}</td>"
        f"<td class='num'>{h.count}</td><td class='small'>{escape(', '.join(h.ids[:50]))}"
        f"{' …' if len(h.ids) > 50 else ''}</td></tr>"
        for h in report.patterns
    )
    inflated = [r for r in report.rescored if r.inflated]
    rescored = "".join(
        f"<tr class='gap'><td><code>{escape(r.id)}</code></td><td>{escape(r.verifier)}</td>"
        f"<td class='num'>{_fmt(r.given)}</td><td class='num'>{_fmt(r.faithful)}</td>"
        f"<td>{escape(r.verdict or '')}</td><td class='small'>{escape(r.reason)}</td>"
        f"<td class='small'>{escape(', '.join(r.patterns))}</td></tr>"
        for r in inflated
    )
    rescore_part = (
        f"<h2>Reward given vs faithful</h2><p>{len(report.rescored)} re-scored, {report.inflated} given more "
        f"than the faithful score.</p><table id='inflated'><thead><tr><th>rollout</th><th>scorer</th>"
        f"<th>given</th><th>faithful</th><th>verdict</th><th>reason</th><th>patterns</th></tr></thead>"
        f"<tbody>{rescored}</tbody></table>"
        if report.rescored
        else ""
    )
    body = (
        f"<h1>veriward rollout audit</h1><div class='meta'>{escape(report.source)} · "
        f"{report.rollouts} rollouts · "
        f"{report.flagged} flagged · {len(report.bad_lines)} unreadable lines</div>"
        f"<h2>Flagged patterns</h2>{chart}<table id='patterns'><thead><tr><th>pattern</th><th>what</th>"
        f"<th>count</th><th>rollout ids</th></tr></thead><tbody>{pattern_rows}</tbody></table>{rescore_part}"
    )
    return _page("veriward rollout audit", body)


def _family_row(r: FamilyRow) -> str:
    cls = "gap" if r.failures and r.kind == "hack" else "miss" if r.failures else ""
    examples = "<br>".join(escape(f"{e.pair}: {e.verdict} {e.score} {e.reason}") for e in r.examples)
    return (
        f"<tr class='{cls}' data-family='{escape(r.family)}'><td><code>{escape(r.family)}</code></td>"
        f"<td>{escape(r.kind)}</td><td class='num'>{r.cases}</td><td class='num'>{r.failures}</td>"
        f"<td class='num'>{100 * r.rate:.2f}%</td><td class='small'>{examples}</td></tr>"
    )


def mutate_html(report: MutateReport) -> str:
    """The generated-families report: false positives per hack family, false negatives per rewrite family."""
    ok = report.false_positives == 0
    verdict = (
        f'<div class="verdict {"pass" if ok else "fail"}" id="verdict">'
        f"{'No hack family got reward' if ok else f'{report.false_positives} hack case(s) got reward'}</div>"
    )
    bars = []
    for r in report.families:
        good, bad = ("held", "gap") if r.kind == "hack" else ("ok", "miss")
        label = "FP" if r.kind == "hack" else "FN"
        bars.append(
            (r.family, {good: r.cases - r.failures, bad: r.failures}, f"{r.failures}/{r.cases} {label}")
        )
    rows = "".join(_family_row(r) for r in report.families)
    meta = (
        f"{escape(report.source)} against <code>{escape(report.target)}</code> · "
        f"{escape(report.started_at)} · {report.elapsed_s:.1f} s · seed {report.seed}"
    )
    body = (
        f"<h1>veriward audit --mutate</h1><div class='meta'>{meta}</div>{verdict}<div class='meta'>"
        f"{report.pairs} pairs, {report.baseline_correct} scored correct as given (rewrites are generated "
        f"from those) · {report.failed} requests failed</div><h2>Per family</h2>"
        f"{_bars(bars, 'cases per family')}<table id='families'><thead><tr><th>family</th><th>kind</th>"
        f"<th>cases</th><th>failures</th><th>rate</th><th>examples</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return _page("veriward mutate report", body)
