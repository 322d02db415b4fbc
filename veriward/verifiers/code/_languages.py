"""The languages of the code scorer: how each one is written, built, run, and which image holds its toolchain.

A `Language` is the one shape every language has, Python included; its quirks are fields, so the scorer
never asks which language it runs. A submission is one sandbox job: the runner (`runner`, shipped into
the sandbox) builds it once under the language's compile limits (`compile`, nothing for Python), then
runs every test in a fresh process (`run` for stdin/stdout tests, `case_run` for function calls through
the `harness` shipped beside the submission). Adding a language is one `Language` (here, or passed to
`register_language`) plus its harness file, if it has function calls.

Argv templates may use `{mem}` (the test's memory limit in MB), `{sources}` (the source files, as
separate arguments), `{fd}` (the result pipe of a function-call test) and `{stack_kb}` (most of the test's
stack limit, in KB, for runtimes that must be told).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Literal

# The PATH a sandboxed job sees (both backends).
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
# JVM flags that keep its address-space reservations small enough for an RLIMIT_AS, and start-up fast.
_JVM = (
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:MaxMetaspaceSize=192m",
    "-XX:ReservedCodeCacheSize=48m",
    "-Xshare:auto",
)
_HARNESS = files("veriward.verifiers.code") / "harness"

Mode = Literal["cases", "stdio", "test_code", "asserts", "pytest"]
CHECKER_MODES: frozenset[Mode] = frozenset({"test_code", "asserts", "pytest"})


@dataclass(frozen=True)
class Language:
    """One language: its toolchain and limits, how the sandbox builds and runs it, and its runner image."""

    name: str
    tags: frozenset[str]  # fence tags that mark a code block as this language
    source: str  # file name of the submission
    compile: tuple[str, ...] = ()  # run once in the build directory (empty: nothing to build)
    run: tuple[str, ...] = ()  # a stdio test
    case_run: tuple[str, ...] = ()  # a function-call test (with `harness`)
    harness: Traversable | None = None  # the function-call harness, shipped beside the submission
    compile_harness: bool = True  # the harness is compiled with the submission (else only shipped)
    source_for: Callable[[str], str] | None = None  # the submission's file name from its code
    runner: tuple[str, ...] = ("native",)  # the in-sandbox runner's parts (`_runner`)
    modes: frozenset[Mode] = frozenset({"stdio"})  # the test forms it runs (`cases` needs `case_run`)
    kwargs: bool = False  # function calls may pass keyword arguments
    prelude: bool = False  # a reference's `prelude` runs before the submission, in its process
    one_number_type: bool = False  # an expected integral float is the same number as the integer
    tools: tuple[str, ...] = ()  # programs the sandbox must have besides python3 (the runner's)
    packages: tuple[str, ...] = ()  # Debian packages of the runner image (besides python3)
    image_key: str = ""  # the image is veriward-sandbox-<image_key> ("python": the Python image itself)
    compile_time_s: float = 20.0
    compile_memory_mb: int = 1024  # address space of the compiler
    processes: int = 1  # processes of one test that each get the test's memory (Python's checker: 2)
    run_reserve_mb: int = 0  # address space the runtime reserves on top of the program's own memory
    stack_mb: int = 0  # main-thread stack of a test (at most half its memory); 0 keeps the default 8 MB
    pids: int = 64
    tmp_mb: int = 96
    env: dict[str, str] = field(default_factory=dict)

    @property
    def supports_cases(self) -> bool:
        return "cases" in self.modes

    def source_name(self, code: str) -> str:
        return self.source_for(code) if self.source_for is not None else self.source

    def sources(self, code: str) -> dict[str, str]:
        """The files the sandbox gets: the submission, and the function-call harness where there is one."""
        out = {self.source_name(code): code}
        if self.harness is not None:
            out[self.harness.name] = self.harness.read_text(encoding="utf-8")
        return out

    def compiled_sources(self, files_: dict[str, str]) -> list[str]:
        """The files given to the compiler (`{sources}`)."""
        return list(files_) if self.compile_harness else [n for n in files_ if n != self._harness_name]

    @property
    def _harness_name(self) -> str:
        return self.harness.name if self.harness is not None else ""


_PUBLIC_CLASS = re.compile(
    r"^\s*public\s+(?:(?:final|abstract|sealed|strictfp)\s+)*(?:class|interface|enum|record)\s+(\w+)",
    re.MULTILINE,
)


def java_source_name(code: str) -> str:
    """Java wants a public class in a file of its name; a file with no public class may be called anything."""
    m = _PUBLIC_CLASS.search(code)
    return f"{m.group(1)}.java" if m else "Main.java"


_GO_ENV = {
    "GOCACHE": "/tmp/.gocache",
    "GOPATH": "/tmp/.gopath",
    "GO111MODULE": "off",
    "CGO_ENABLED": "0",
    "GOFLAGS": "-buildvcs=false",
    "GOMAXPROCS": "2",
    "GOTELEMETRY": "off",
}

PYTHON = Language(
    name="python",
    tags=frozenset({"python", "py", "python3"}),
    source="solution.py",
    runner=("wire", "remote", "checker", "python"),  # it runs each test itself, in its roles
    modes=frozenset({"cases", "stdio", *CHECKER_MODES}),
    kwargs=True,
    prelude=True,
    packages=("python3-pytest",),  # pytest for the `pytest` form
    image_key="python",
    processes=2,  # a checker test runs the test code and the candidate, each under the test's memory
    tmp_mb=64,
)

# Every language, by name; Python first (the default, and the one whose image the others are named after).
LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in (
        PYTHON,
        Language(
            name="c",
            tags=frozenset({"c", "h"}),
            source="main.c",
            compile=("gcc", "-std=gnu17", "-O2", "-pipe", "-o", "main", "{sources}", "-lm"),
            run=("./main",),
            tools=("gcc",),
            packages=("gcc", "g++", "libc6-dev"),  # the same image as C++
            image_key="gcc",
            compile_time_s=15.0,
            stack_mb=256,
        ),
        Language(
            name="cpp",
            tags=frozenset({"cpp", "c++", "cc", "cxx", "hpp"}),
            source="main.cpp",
            compile=("g++", "-std=gnu++17", "-O2", "-pipe", "-o", "main", "{sources}"),
            run=("./main",),
            tools=("g++",),
            packages=("gcc", "g++", "libc6-dev"),
            image_key="gcc",
            compile_time_s=20.0,
            stack_mb=256,
        ),
        Language(
            name="java",
            tags=frozenset({"java"}),
            source="Main.java",
            source_for=java_source_name,  # the file its public class asks for
            compile=(
                "javac",
                *(f"-J{flag}" for flag in _JVM),
                "-J-Xmx384m",
                "-encoding",
                "UTF-8",
                "-nowarn",
                "-d",
                ".",
                "{sources}",
            ),
            run=("java", *_JVM, "-Xmx{mem}m", "-Xss64m", "-cp", ".", "VwHarness", "main"),
            case_run=("java", *_JVM, "-Xmx{mem}m", "-Xss64m", "-cp", ".", "VwHarness", "case", "{fd}"),
            harness=_HARNESS / "VwHarness.java",
            modes=frozenset({"stdio", "cases"}),
            tools=("javac", "java"),
            packages=("default-jdk-headless",),
            image_key="java",
            compile_time_s=30.0,
            compile_memory_mb=2048,
            run_reserve_mb=1024,
            pids=128,
            env={"MALLOC_ARENA_MAX": "2"},  # glibc reserves 64 MB of address space per arena otherwise
        ),
        Language(
            name="javascript",
            tags=frozenset({"javascript", "js", "node", "nodejs"}),
            source="solution.js",
            compile=("node", "--check", "{sources}"),
            run=("node", "--max-old-space-size={mem}", "--stack-size={stack_kb}", "solution.js"),
            case_run=(
                "node",
                "--max-old-space-size={mem}",
                "--stack-size={stack_kb}",
                "vw_harness.js",
                "{fd}",
            ),
            harness=_HARNESS / "vw_harness.js",
            compile_harness=False,  # `node --check` reads the submission alone
            modes=frozenset({"stdio", "cases"}),
            one_number_type=True,
            tools=("node",),
            packages=("nodejs",),
            image_key="node",
            compile_time_s=10.0,
            compile_memory_mb=2048,
            run_reserve_mb=1536,
            pids=64,
            stack_mb=64,
        ),
        Language(
            name="go",
            tags=frozenset({"go", "golang"}),
            source="main.go",
            compile=("go", "build", "-o", "main", "{sources}"),
            run=("./main",),
            tools=("go",),
            packages=("golang-go",),
            image_key="go",
            compile_time_s=30.0,
            compile_memory_mb=2048,
            run_reserve_mb=768,  # the Go runtime reserves ~700 MB of address space at start-up
            pids=128,
            tmp_mb=256,
            env=_GO_ENV,
        ),
        Language(
            name="rust",
            tags=frozenset({"rust", "rs"}),
            source="main.rs",
            compile=("rustc", "--edition", "2021", "-O", "-C", "debuginfo=0", "-o", "main", "{sources}"),
            run=("./main",),
            tools=("rustc", "cc"),
            packages=("rustc", "gcc", "libc6-dev"),
            image_key="rust",
            compile_time_s=30.0,
            compile_memory_mb=2048,
            pids=128,
            tmp_mb=192,
            stack_mb=256,
        ),
    )
}


def register_language(lang: Language) -> None:
    """Add (or replace) a language: references may name it, responses fence it with its tags."""
    if lang.supports_cases and not lang.case_run:
        raise ValueError(f"{lang.name}: `cases` needs a `case_run` argv (and usually a `harness`)")
    LANGUAGES[lang.name] = lang


def _who(can: Callable[[Language], bool]) -> str:
    names = [n for n, x in LANGUAGES.items() if can(x)]
    return "Python" if names == ["python"] else ", ".join(names)


def check_reference(language: str, mode: Mode, kwargs_used: bool, prelude: bool) -> None:
    """Raise ValueError when a reference asks for something its language cannot do."""
    lang = LANGUAGES[language]
    if mode in CHECKER_MODES and mode not in lang.modes:
        raise ValueError(
            f"`{mode}` is {_who(lambda x: mode in x.modes)} only; use `stdio` or `cases` for {language}"
        )
    if mode not in lang.modes:
        raise ValueError(
            f"`{mode}` is supported for {_who(lambda x: mode in x.modes)}; use `stdio` for {language}"
        )
    if mode == "cases" and kwargs_used and not lang.kwargs:
        raise ValueError(
            f"`kwargs` are {_who(lambda x: x.kwargs)} only; pass positional `args` for {language}"
        )
    if prelude and not lang.prelude:
        raise ValueError(f"`prelude` is {_who(lambda x: x.prelude)} only")


def image_for(language: str, python_image: str) -> str:
    """The runner image of `language`, named after the Python one (veriward-sandbox-<key>:<same tag>)."""
    key = LANGUAGES[language].image_key
    if key == PYTHON.image_key:
        return python_image
    if "sandbox-python" in python_image:
        return python_image.replace("sandbox-python", f"sandbox-{key}")
    return f"veriward-sandbox-{key}:latest"


def image_packages(language: str) -> tuple[str, ...]:
    """The Debian packages of `language`'s runner image: python3 (the in-sandbox runner) and the toolchain."""
    return ("python3", *LANGUAGES[language].packages)


def missing_host_tools(language: str) -> list[str]:
    """Toolchain programs the process backend cannot see (it exposes the host's /usr, /bin and /lib)."""
    missing = []
    for tool in ("python3", *LANGUAGES[language].tools):
        path = shutil.which(tool, path=SANDBOX_PATH)
        real = os.path.realpath(path) if path else ""
        if not real.startswith(("/usr/", "/bin/", "/lib")):
            missing.append(tool)
    return missing
