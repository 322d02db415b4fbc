"""Math answers: extraction (parser, `_extract`) kept apart from equivalence (grader, `_grade`)."""

from __future__ import annotations

import math
from typing import Any

from veriward.errors import RequestError
from veriward.verifiers.base import Outcome, PooledVerifier
from veriward.verifiers.math import _scalar
from veriward.verifiers.math._core import MathOptions, grade

__all__ = ["MathOptions", "MathVerifier", "grade"]


class MathVerifier(PooledVerifier):
    """Final-answer equivalence for math problems (the README's math section states the policy)."""

    name = "math"
    description = (
        "Final-answer equivalence for math problems: extracts the final answer (\\boxed{}, "
        "'final answer is', 'Answer:', bold, or the whole response) and compares it with the "
        "reference by value."
    )
    reference_help = (
        "the gold answer as a string (LaTeX or plain, with or without $ or \\boxed, or a whole worked "
        "solution whose final answer is taken); an integer or a float is accepted and read as its string"
    )
    options_model = MathOptions

    def __init__(self) -> None:
        # Runs where the scorers are preloaded (the pool's forkserver), so forked workers start warm.
        _scalar.warm_up()

    def parse_reference(self, reference: Any) -> str:
        if isinstance(reference, bool) or not isinstance(reference, str | int | float):
            kind = "null" if reference is None else type(reference).__name__
            raise RequestError(f"reference must be a string (or a number), got {kind}", field="reference")
        if isinstance(reference, float) and not math.isfinite(reference):
            raise RequestError("reference must be a finite number", field="reference")
        try:
            text = reference if isinstance(reference, str) else repr(reference)
        except ValueError:  # an integer too long to print
            msg = "reference number is too long; send it as a string"
            raise RequestError(msg, field="reference") from None
        if not text.strip():
            raise RequestError("reference must not be empty", field="reference")
        return text

    def check(self, response: str, reference: Any, options: Any) -> Outcome:
        return grade(response, reference, options)

    def info(self) -> dict[str, Any]:
        from importlib.metadata import PackageNotFoundError, version

        out: dict[str, Any] = {}
        for pkg in ("sympy", "latex2sympy2_extended"):
            try:
                out[pkg] = version(pkg)
            except PackageNotFoundError:
                out[pkg] = None
        return out
