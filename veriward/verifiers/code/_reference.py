"""The `reference` of the code scorer: what to run and what counts as passing."""

from __future__ import annotations

import ast
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from veriward.errors import RequestError
from veriward.verifiers.code._compare import Compare
from veriward.verifiers.code._languages import LANGUAGES, Mode, check_reference
from veriward.verifiers.code._names import free_names, names_solution, parse, pytest_units

MAX_TESTS = 1000
FORMS: tuple[Mode, ...] = ("cases", "stdio", "test_code", "asserts", "pytest")


class Case(BaseModel):
    """One function call: `entry_point(*args, **kwargs)` must return `expected` (or one of `also`)."""

    model_config = ConfigDict(extra="forbid")

    args: list[Any] = Field(default_factory=list)
    kwargs: dict[str, Any] = Field(default_factory=dict)
    expected: Any
    also: list[Any] = Field(default_factory=list, max_length=16, description="other right answers")
    float_tolerance: float | None = Field(default=None, ge=0, description="overrides the reference's")


class StdioTest(BaseModel):
    """One whole-program run: `input` on stdin must print `output`."""

    model_config = ConfigDict(extra="forbid")

    input: str = ""
    output: str


class Checker(BaseModel):
    """A trusted special judge, run in a sandbox of its own after the candidate's tests."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1)
    style: Literal["function", "testlib"] = Field(
        default="function",
        description="function: `check(input, output, expected) -> bool | float`; testlib: a program run "
        "as `checker input_file output_file answer_file`, exit code 0 = accepted",
    )
    language: Literal["python"] = "python"
    time_limit_s: float = Field(default=10.0, gt=0, le=60)


def _parse(code: str, what: str) -> ast.Module:
    try:
        return parse(code)
    except SyntaxError as exc:
        raise ValueError(f"`{what}` does not parse: {exc.msg} (line {exc.lineno})") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"`{what}` does not parse: {type(exc).__name__}") from None


class CodeReference(BaseModel):
    """Exactly one of `cases`, `stdio`, `test_code`, `asserts`, `pytest`."""

    model_config = ConfigDict(extra="forbid")

    language: str = "python"
    entry_point: str | None = None
    cases: list[Case] | None = Field(default=None, min_length=1, max_length=MAX_TESTS)
    stdio: list[StdioTest] | None = Field(default=None, min_length=1, max_length=MAX_TESTS)
    test_code: str | None = None
    asserts: list[str] | None = Field(default=None, min_length=1, max_length=MAX_TESTS)
    pytest: str | None = None
    context: str | None = Field(default=None, description="trusted code the checker runs before the tests")
    prelude: str | None = Field(default=None, description="code run before the solution's, in its process")
    checker: Checker | None = None
    interface: list[str] | None = Field(
        default=None, max_length=1000, description="names the solution defines that tests use, builtins too"
    )
    compare: Compare = "strict"
    time_limit_s: float = Field(
        default=4.0, gt=0, le=60, description="CPU-time limit of each test (wall clock: twice that, plus 1 s)"
    )
    memory_limit_mb: int = Field(default=512, ge=64, le=8192)
    float_tolerance: float | None = Field(default=None, ge=0, description="relative and absolute")

    _bind: list[str] = PrivateAttr(default_factory=list)
    _imports: list[str] = PrivateAttr(default_factory=list)
    _units: list[str] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _one_form(self) -> CodeReference:
        forms = [f for f in FORMS if getattr(self, f) is not None]
        if len(forms) != 1:
            raise ValueError("give exactly one of " + ", ".join(f"`{f}`" for f in FORMS))
        if self.language not in LANGUAGES:
            raise ValueError(
                f"language {self.language!r} is not supported; use one of {', '.join(LANGUAGES)}"
            )
        form = forms[0]
        if form in ("cases", "test_code") and not (self.entry_point or "").isidentifier():
            raise ValueError("`entry_point` (a function name) is required with `cases` and `test_code`")
        kwargs_used = any(c.kwargs for c in self.cases or [])
        check_reference(self.language, form, kwargs_used, self.prelude is not None)  # what it cannot do
        if self.checker is not None and form not in ("cases", "stdio"):
            raise ValueError("a `checker` judges `cases` or `stdio` tests")
        if form in ("test_code", "asserts", "pytest"):
            self._plan_checker_tests(form)
        elif self.context is not None:
            raise ValueError("`context` goes with `test_code`, `asserts` or `pytest`")
        if self.prelude is not None:
            _parse(self.prelude, "prelude")
        if self.checker is not None and self.checker.style == "function":
            _check_defines(_parse(self.checker.source, "checker.source"), "check", "checker.source")
        return self

    def _plan_checker_tests(self, form: str) -> None:
        """Parse the test code (never run here); find its tests and the names it takes from the solution."""
        context = self.context or ""
        _parse(context, "context")
        if form == "test_code":
            code = [self.test_code or ""]
            _check_defines(_parse(code[0], "test_code"), "check", "test_code")
            self._units = ["check"]
        elif form == "asserts":
            code = list(self.asserts or [])
            for i, piece in enumerate(code):
                _parse(piece, f"asserts.{i}")
            self._units = code
        else:
            code = [self.pytest or ""]
            _parse(code[0], "pytest")
            self._units = pytest_units(code[0])
            if not self._units:
                raise ValueError("`pytest` defines no test (functions named test*, or Test* classes)")
            if len(self._units) > MAX_TESTS:
                raise ValueError(f"`pytest` has {len(self._units)} tests; the limit is {MAX_TESTS}")
        interface = frozenset(self.interface or ())
        if not all(name.isidentifier() for name in interface):
            raise ValueError("`interface` must be a list of identifiers")
        self._bind, self._imports = free_names(code, context, interface)
        if form != "test_code" and not self._bind and not any(names_solution(piece) for piece in code):
            # e.g. a KodCode row whose test code defines the function itself: every response would pass
            raise ValueError(f"the `{form}` tests never use the solution (no name comes from it)")

    @property
    def mode(self) -> Mode:
        return next(f for f in FORMS if getattr(self, f) is not None)

    @property
    def n_tests(self) -> int:
        return len(self.cases or self.stdio or self._units)

    @property
    def units(self) -> list[str]:
        """The checker tests: one test_code check, each assert, or each pytest test id."""
        return list(self._units)

    @property
    def bind(self) -> list[str]:
        return list(self._bind)

    @property
    def imports(self) -> list[str]:
        return list(self._imports)


def _check_defines(tree: ast.Module, name: str, what: str) -> None:
    if not any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body):
        raise ValueError(f"`{what}` must define `def {name}(...)`")


def parse_reference(reference: Any) -> CodeReference:
    if not isinstance(reference, dict):
        raise RequestError("reference must be an object (see GET /v1/verifiers)", field="reference")
    if "format" in reference:
        from veriward.verifiers.code._formats import from_dataset

        reference = from_dataset(reference)
    try:
        return CodeReference.model_validate(reference)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        where = f"reference.{loc}" if loc else "reference"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise RequestError(f"{where}: {msg}", field=where) from None
