"""Every parser of model text runs in linear time on generated hostile input.

Hypothesis picks a few tokens that matter to a parser (fence openers, box commands, comment markers,
whitespace runs, quotes, brackets...) and repeats that pattern to two sizes, 4x apart. A linear pass takes
about 4x as long on the bigger one; a quadratic one 16x. The bound (8x, plus a small constant, and an
absolute cap) leaves room for a loaded machine while catching every super-linear scan.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from veriward._json import find_problem
from veriward.audit._patterns import flags
from veriward.verifiers._markers import strip_end_markers
from veriward.verifiers.code._extract import extract_code
from veriward.verifiers.lean._gate import scan
from veriward.verifiers.lean._source import extract_proof
from veriward.verifiers.math._extract import extract
from veriward.verifiers.math._glyphs import to_latex
from veriward.verifiers.prm._reader import read_step
from veriward.verifiers.prm._split import split_steps

SMALL, BIG = 8_000, 32_000

# What each parser treats specially, as fragments the generator combines.
TOKENS: dict[str, list[str]] = {
    "fence": ["```", "```python\n", "```lean\n", "``", "\n", " ", "python", "`", "~~~"],
    "latex": ["\\boxed", "\\boxed{", "{", "}", "$", "$$", "\\[", "\\]", "\\(", "\\)", "\\frac{", "\\\\", " "],
    "prose": ["The answer is ", "not ", "or ", "**", "Answer:", "5", ", ", ". ", "\n", "maybe ", "%"],
    "space": ["\n", " ", "\t", "\n\n", "\r", " \n", "\u3000"],
    "lean": ["/-", "-/", "--", '"', "'", "«", "»", "s!", "{", "}", "<-", "//", "-", 'r#"', "#", "\n"],
    "markers": ["<|", "|>", "<|im_end|>", "</s>", "<｜", "｜>", " ", "<", "/s>"],
    "glyphs": [
        "√",
        "√(",
        "(",
        ")",
        "²",
        "⁻",
        "½",
        "1",
        "1.5",
        "π",
        "⁄",
        " ",
        "x",
        "∛{",
        "}",
        "is ",
        "≈ ",
        "\n- ",
    ],
    "code": ["print(", "def ", "__eq__", "sys.exit", "/tmp", "(", ")", "while True", "\n"],
}
PARSERS: dict[str, tuple[Callable[[str], Any], list[str]]] = {
    "math extract": (extract, ["latex", "prose", "space", "markers", "glyphs"]),
    "unicode math": (to_latex, ["glyphs", "latex"]),
    "code extract": (lambda t: extract_code(t, "python"), ["fence", "space", "markers"]),
    "prm split": (split_steps, ["space", "prose", "latex"]),
    "prm read": (read_step, ["space", "prose", "latex"]),
    "lean gate": (scan, ["lean", "space"]),
    "lean proof extract": (extract_proof, ["fence", "lean", "space"]),
    "audit math": (lambda t: flags("math", t, "1", {}), ["latex", "prose"]),
    "audit code": (lambda t: flags("code", t, None, {}), ["code", "fence"]),
    "audit lean": (lambda t: flags("lean", t, None, {}), ["lean"]),
    "audit prm": (lambda t: flags("prm", t, None, {}), ["space", "prose"]),
    "end markers": (strip_end_markers, ["markers", "space"]),
    "json hygiene": (lambda t: find_problem({"response": t, "metadata": {"a": [t]}}, ""), ["prose"]),
}


def _timed(fn: Callable[[str], Any], text: str) -> float:
    best = float("inf")
    for _ in range(2):  # the better of two runs: a scheduler hiccup is not the parser's
        t0 = time.perf_counter()
        with contextlib.suppress(Exception):  # a parser may refuse hostile text; only its time counts
            fn(text)
        best = min(best, time.perf_counter() - t0)
    return best


def _pattern(name: str) -> st.SearchStrategy[str]:
    alphabet = [tok for group in PARSERS[name][1] for tok in TOKENS[group]]
    return st.lists(st.sampled_from(alphabet), min_size=1, max_size=6).map("".join)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_parsers_of_model_text_are_linear(name: str) -> None:
    fn = PARSERS[name][0]

    # No shrinking: every example costs two timed runs at two sizes; the failing pattern is in the message.
    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
    )
    @example("```python\n｜>```lean\n")  # once 22x slower at 4x the size
    @example("%\\boxedor \\boxed{")  # once 13x
    @given(_pattern(name))
    def check(unit: str) -> None:
        small = (unit * (SMALL // len(unit) + 1))[:SMALL]
        big = (unit * (BIG // len(unit) + 1))[:BIG]
        t_small, t_big = _timed(fn, small), _timed(fn, big)
        assert t_big < 8 * t_small + 0.05, f"{name}: {t_small:.4f} s -> {t_big:.4f} s on {unit!r}"
        assert t_big < 1.0, f"{name}: {t_big:.2f} s on {BIG} chars of {unit!r}"

    check()


def _single_runs() -> list[tuple[str, str]]:
    return sorted({(name, tok) for name, (_, groups) in PARSERS.items() for g in groups for tok in TOKENS[g]})


@pytest.mark.parametrize(("name", "unit"), _single_runs())
def test_a_run_of_any_one_token_is_linear(name: str, unit: str) -> None:
    """The simplest hostile texts, which sampled combinations can miss: one token repeated (a run of spaces
    once took a step splitter 65x longer at 8x the size, through two adjacent whitespace quantifiers)."""
    fn = PARSERS[name][0]
    small = (unit * (SMALL // len(unit) + 1))[:SMALL]
    big = (unit * (BIG // len(unit) + 1))[:BIG]
    t_small, t_big = _timed(fn, small), _timed(fn, big)
    assert t_big < 8 * t_small + 0.05, f"{name}: {t_small:.4f} s -> {t_big:.4f} s on {unit!r}"
    assert t_big < 1.0, f"{name}: {t_big:.2f} s on {BIG} chars of {unit!r}"
