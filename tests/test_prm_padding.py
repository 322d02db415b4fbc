"""The padding invariant of the PRM step grader on real traces: 200 ProcessBench solutions, each padded with
generated steps (repeats, operand-swap paraphrases, other digit scripts, LaTeX variants, trivial true
arithmetic, tautologies, restatements of the problem) at random positions; under all four aggregations
the reward never rises. And the honest ones, re-laid in every common layout, keep their score.

Real symbolic checks (sympy), the real splitter and grading; no server (the same code as the worker's).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from _prm_score import AGGREGATIONS, analysed, rewards
from conftest import SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DATA = SHARED / "benchmarks" / "prm" / "processbench.jsonl"
N_TRACES = 200
SCRIPTS = ["٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "０１２３４５６７８９", "০১২৩৪৫৬৭৮৯"]
_CLAIM = re.compile(r"(\d+)\s*(\+|\\times|\\cdot|\*)\s*(\d+)\s*=\s*(\d+)")
_MARKER = re.compile(r"(?m)^[ \t]*(?:#|\*\*|__|step\b|\d{1,3}[.)][ \t]|[-*•+][ \t])", re.I)


@cache
def traces() -> list[dict[str, Any]]:
    if not DATA.exists():
        pytest.skip(f"shared benchmark missing: {DATA}")
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    usable = [r for r in rows if 2 <= len(r["steps"]) <= 24]
    picked = usable[:: len(usable) // N_TRACES][:N_TRACES]  # spread over the four splits
    assert len(picked) == N_TRACES
    return picked


@cache
def baseline(i: int) -> dict[str, tuple[float, str, int]]:
    row = traces()[i]
    return rewards(analysed(row["steps"], problem=row["problem"]))


# -- padding generators: each makes one step out of the trace ----------------------------------------


def _swap(step: str, variant: int) -> str:
    m = _CLAIM.search(step)
    if m is None:
        return f"Again: {step}"
    a, op, b, c = m.groups()
    tex = "\\times" if op in ("*", "\\times", "\\cdot") else "+"
    return [
        f"Note that \\({b} {tex} {a} = {c}\\).",
        f"So \\({c} = {b} {tex} {a}\\).",
        f"Thus {b} {op} {a} = {c}.",
    ][variant % 3]


def _latex(step: str, variant: int) -> str:
    rewrites = [
        (r"\times", r"\cdot"),
        (r"\cdot", r"\times"),
        (r"\frac", r"\dfrac"),
        ("(", r"\left("),
        ("=", r"\,=\,"),
        ("+", r" \, + \, "),
    ]
    out = step
    for k, (a, b) in enumerate(rewrites):
        if (variant >> k) & 1:
            out = out.replace(a, b)
    return out.replace(r"\left\left(", r"\left(")


def _padding(kind: str, row: dict[str, Any], src: int, variant: int) -> str:
    step = row["steps"][src]
    if kind == "repeat":
        return step
    if kind == "swap":
        return _swap(step, variant)
    if kind == "digits":
        return step.translate(str.maketrans("0123456789", SCRIPTS[variant % len(SCRIPTS)]))
    if kind == "latex":
        return _latex(step, variant)
    if kind == "trivial":
        a, b = 2 + variant % 17, 3 + variant % 11
        return [
            f"We also have \\({a} + {b} = {a + b}\\).",
            f"Clearly {a} * {b} = {a * b}.",
            f"\\({a} \\times 1 = {a}\\)",
        ][variant % 3]
    if kind == "tautology":
        return ["\\(x = x\\).", f"\\({variant} = {variant}\\).", "\\(a + b = b + a\\).", "So $7 = 7$."][
            variant % 4
        ]
    sentences = re.split(r"(?<=[.?!])\s+", row["problem"].strip())
    return [row["problem"], sentences[0], f"Recall: {sentences[-1]}"][variant % 3]


KINDS = ["repeat", "swap", "digits", "latex", "trivial", "tautology", "problem"]
padding_plan = st.lists(
    st.tuples(st.sampled_from(KINDS), st.floats(0, 1), st.floats(0, 1), st.integers(0, 1 << 10)),
    min_size=1,
    max_size=4,
)


def _pad(row: dict[str, Any], plan: list[tuple[str, float, float, int]]) -> list[str]:
    steps = list(row["steps"])
    for kind, where, source, variant in plan:
        src = min(int(source * len(row["steps"])), len(row["steps"]) - 1)
        steps.insert(round(where * len(steps)), _padding(kind, row, src, variant))
    return steps


@pytest.mark.slow
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(padding_plan)
def test_padding_never_raises_the_reward_on_real_traces(plan: list[tuple[str, float, float, int]]) -> None:
    for i, row in enumerate(traces()):
        padded = rewards(analysed(_pad(row, plan), problem=row["problem"]))
        for how in AGGREGATIONS:
            assert padded[how][0] <= baseline(i)[how][0] + 1e-12, (
                row["id"],
                plan,
                how,
                padded[how],
                baseline(i)[how],
            )


# -- honest traces in every layout -------------------------------------------------------------------


def _plain(row: dict[str, Any]) -> bool:
    """Steps a layout can wrap without changing where they split: no blank lines, no markers of their own."""
    return all("\n\n" not in s and not _MARKER.search(s) for s in row["steps"])


def _display(step: str) -> str:
    return re.sub(r"\\\((.+?)\\\)", lambda m: f"\n\\[\n{m.group(1)}\n\\]\n", step)


LAYOUTS = {
    "blank lines": lambda steps: "\n\n".join(steps),
    "numbered prose": lambda steps: "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)),
    "bullets": lambda steps: "\n".join(f"- {s}" for s in steps),
    "bold step headings": lambda steps: "\n".join(f"**Step {i}:** {s}" for i, s in enumerate(steps, 1)),
    "display math": lambda steps: "\n\n".join(_display(s) for s in steps),
}


@pytest.mark.slow
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_honest_traces_keep_their_score_in_every_layout(layout: str) -> None:
    honest = [(i, r) for i, r in enumerate(traces()) if r["label"] == -1 and _plain(r)]
    assert len(honest) >= 40
    for i, row in honest:
        text = LAYOUTS[layout](row["steps"])
        laid = analysed(None, response=text, problem=row["problem"])
        assert len(laid.steps) == len(row["steps"]), (row["id"], layout)
        assert rewards(laid) == baseline(i), (row["id"], layout)
