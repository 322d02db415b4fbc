"""The languages besides Python: how each one is written, compiled, run, and which image holds its toolchain.

Every language runs the same way (see `_driver_native.py`): the program is compiled once per submission
inside the sandbox, under the language's own compile time and memory limits, then every test runs in a
fresh process from a fresh copy of the build. Python has its own driver (`_python.py`).

Argv templates may use `{mem}` (the test's memory limit in MB), `{sources}` (the source files, as
separate arguments), `{fd}` (the result pipe of a function-call test) and `{stack_kb}` (most of the test's
stack limit, in KB, for runtimes that must be told).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field

from veriward.sandbox._image import PYTHON_PACKAGES

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


@dataclass(frozen=True)
class Language:
    """One language's toolchain, its limits and its runner image."""

    name: str
    tags: frozenset[str]  # fence tags that mark a code block as this language
    source: str  # file name of the submission
    compile: tuple[str, ...]  # run once in the build directory
    run: tuple[str, ...]  # a stdio test
    case_run: tuple[str, ...] = ()  # a function-call test (empty: `cases` not supported)
    tools: tuple[str, ...] = ()  # programs the sandbox must have
    packages: tuple[str, ...] = ()  # Debian packages of the runner image (besides python3)
    image_key: str = ""  # the image is veriward-sandbox-<image_key>
    compile_time_s: float = 20.0
    compile_memory_mb: int = 1024  # address space of the compiler
    run_reserve_mb: int = 0  # address space the runtime reserves on top of the program's own memory
    stack_mb: int = 0  # main-thread stack of a test (at most half its memory); 0 keeps the default 8 MB
    pids: int = 64
    tmp_mb: int = 96
    env: dict[str, str] = field(default_factory=dict)

    @property
    def supports_cases(self) -> bool:
        return bool(self.case_run)


_GO_ENV = {
    "GOCACHE": "/tmp/.gocache",
    "GOPATH": "/tmp/.gopath",
    "GO111MODULE": "off",
    "CGO_ENABLED": "0",
    "GOFLAGS": "-buildvcs=false",
    "GOMAXPROCS": "2",
    "GOTELEMETRY": "off",
}

LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in (
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
            source="Main.java",  # or the file its public class asks for (see `java_source_name`)
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

_PUBLIC_CLASS = re.compile(
    r"^\s*public\s+(?:(?:final|abstract|sealed|strictfp)\s+)*(?:class|interface|enum|record)\s+(\w+)",
    re.MULTILINE,
)


def java_source_name(code: str) -> str:
    """Java wants a public class in a file of its name; a file with no public class may be called anything."""
    m = _PUBLIC_CLASS.search(code)
    return f"{m.group(1)}.java" if m else "Main.java"


def check_reference(language: str, mode: str, kwargs_used: bool) -> None:
    """Raise ValueError when a non-Python reference asks for something its language cannot do."""
    lang = LANGUAGES[language]
    if mode in ("test_code", "asserts", "pytest"):
        raise ValueError(f"`{mode}` is Python only; use `stdio` or `cases` for {language}")
    if mode == "cases" and not lang.supports_cases:
        supported = ", ".join(["python", *(n for n, x in LANGUAGES.items() if x.supports_cases)])
        raise ValueError(f"`cases` is supported for {supported}; use `stdio` for {language}")
    if mode == "cases" and kwargs_used:
        raise ValueError(f"`kwargs` are Python only; pass positional `args` for {language}")


def image_for(language: str, python_image: str) -> str:
    """The runner image of `language`, named after the Python one (veriward-sandbox-<key>:<same tag>)."""
    if language == "python":
        return python_image
    key = LANGUAGES[language].image_key
    if "sandbox-python" in python_image:
        return python_image.replace("sandbox-python", f"sandbox-{key}")
    return f"veriward-sandbox-{key}:latest"


def image_packages(language: str) -> tuple[str, ...]:
    """The Debian packages of `language`'s runner image: python3 (the in-sandbox driver) and the toolchain."""
    if language == "python":
        return PYTHON_PACKAGES
    return ("python3", *LANGUAGES[language].packages)


def missing_host_tools(language: str) -> list[str]:
    """Toolchain programs the process backend cannot see (it exposes the host's /usr, /bin and /lib)."""
    if language == "python":
        tools: tuple[str, ...] = ("python3",)
    else:
        tools = ("python3", *LANGUAGES[language].tools)
    missing = []
    for tool in tools:
        path = shutil.which(tool, path=SANDBOX_PATH)
        real = os.path.realpath(path) if path else ""
        if not real.startswith(("/usr/", "/bin/", "/lib")):
            missing.append(tool)
    return missing
