"""The checker and the special judge (shipped into the sandbox; see `remote` for the candidate side).

Role `check` runs one test of test code against the candidate, in its own non-dumpable process that the
candidate cannot reach. Kinds:
  check   HumanEval-style `check(candidate)` after the trusted context (a prompt's helpers);
  assert  one statement (MBPP's `assert f(...) == ...`) after the context (imports, setup code);
  pytest  one `test_*` function (or `Class::method`) of a pytest module, run by pytest itself.
Free names of the test code come from the candidate's module (`bind`), except names of standard-library
modules, which the checker imports itself (`imports`). Writes {"status", "excerpt"} (or {"infra": why})
on its result pipe.

Role `judge` runs a special judge (checker) on one test's (input, output, expected), in the separate
judge job that runs after the candidate's job ended: `check(input, output, expected) -> bool | float`, or
a testlib-style program run as `checker input output answer` (exit code 0 = accepted).
"""

import json
import os
import sys

# subprocess, traceback, linecache and importlib are imported where they are used: the candidate's
# process, which runs this text too, needs none of them, and each costs every process importing it.
# Not `typing.TYPE_CHECKING`: importing typing would cost every process in the sandbox ~2 ms.
TYPE_CHECKING = False

if TYPE_CHECKING:  # in the sandbox these come from the parts shipped in front of this source
    from typing import Any

    from veriward.verifiers.code._runner.prelude import _dumps, _no_dump, _write_fd
    from veriward.verifiers.code._runner.remote import CandidateGone, Conn, Remote, SolutionModule
    from veriward.verifiers.code._runner.wire import decode


class Infra(Exception):
    """The sandbox lacks something the checker needs (not the candidate's doing)."""


def _exec(source, filename, ns):
    import linecache

    if source:
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), ns)


def _namespace(job, conn, name):
    import importlib

    ns = {"__name__": name, "__builtins__": __builtins__}
    _exec(job.get("context"), "context.py", ns)
    for spec in job.get("imports") or []:  # "math", or "typing.List"
        mod, _, attr = spec.partition(".")
        try:
            ns[attr or mod] = (
                getattr(importlib.import_module(mod), attr) if attr else importlib.import_module(mod)
            )
        except (ImportError, AttributeError):
            continue
    conn.bind(ns, job.get("bind") or [])
    return ns


def _run_check(job, conn):
    ns = _namespace(job, conn, "__check__")
    entry = job["entry_point"]
    conn.bind(ns, [entry])
    candidate = ns.get(entry)
    if not isinstance(candidate, Remote):
        raise CandidateGone(f"the solution defines no function {entry!r}")
    _exec(job["test_code"], "test.py", ns)
    ns[entry] = candidate  # test code that carries the prompt redefines the entry point as its stub
    ns["check"](candidate)
    return ""


def _run_assert(job, conn):
    ns = _namespace(job, conn, "__check__")
    _exec(job["unit"], "test.py", ns)
    return ""


def _unit_of(item):
    name = getattr(item, "originalname", None) or item.name
    cls = getattr(item, "cls", None)
    return f"{cls.__name__}::{name}" if cls is not None else name


def _pytest_plugin(job, conn, path, reports):
    import ast
    import linecache

    import pytest
    from _pytest.python import Module

    source = job["pytest"]

    class MemoryModule(Module):
        """The test module built from the test code held in this process (the file on disk is empty)."""

        def _getobj(self):
            import types

            mod = types.ModuleType("test_solution")
            mod.__file__ = path
            sys.modules["test_solution"] = mod
            ns = _namespace(job, conn, "test_solution")
            mod.__dict__.update(ns)
            mod.__name__ = "test_solution"
            tree = ast.parse(source, path)
            try:
                from _pytest.assertion.rewrite import rewrite_asserts

                rewrite_asserts(tree, source.encode(), path, self.config)
            except Exception:
                pass  # plain asserts still fail the test, with a shorter message
            linecache.cache[path] = (len(source), None, source.splitlines(True), path)
            exec(compile(tree, path, "exec", dont_inherit=True), mod.__dict__)
            return mod

    class Plugin:
        @pytest.hookimpl(tryfirst=True)
        def pytest_pycollect_makemodule(self, module_path, parent):
            if str(module_path) == path:
                return MemoryModule.from_parent(parent, path=module_path)
            return None

        def pytest_collection_modifyitems(self, session, config, items):
            items[:] = [it for it in items if _unit_of(it) == job["unit"]]

        def pytest_collectreport(self, report):
            if report.failed:
                reports.append(report)

        def pytest_runtest_logreport(self, report):
            reports.append(report)

    return Plugin()


def _run_pytest(job, conn):
    try:
        import pytest
    except ImportError:
        raise Infra("pytest is not installed in the sandbox") from None
    import tempfile

    work = tempfile.mkdtemp(prefix=".vwpy", dir="/tmp")
    path, ini = os.path.join(work, "test_solution.py"), os.path.join(work, "pytest.ini")
    for p, text in ((path, ""), (ini, "[pytest]\n")):
        with open(p, "w") as f:
            f.write(text)
    reports: list[Any] = []
    saved_path = list(sys.path)
    args = [path, "-c", ini, "--rootdir", work, "-q", "--noconftest", "--capture=sys"]
    args += ["-p", "no:cacheprovider", "--import-mode=importlib", "-W", "ignore::DeprecationWarning"]
    pytest.main(args, plugins=[_pytest_plugin(job, conn, path, reports)])
    sys.path[:] = saved_path
    bad = [r for r in reports if not r.passed]
    ran = [r for r in reports if getattr(r, "when", None) == "call"]
    if bad:
        text = str(getattr(bad[0], "longreprtext", "") or bad[0].outcome)
        raise AssertionError(text.strip()[-500:])
    if not ran:
        raise AssertionError(f"no test {job['unit']!r} was collected")
    return ""


_RUNNERS = {"check": _run_check, "assert": _run_assert, "pytest": _run_pytest}


def role_check(result):
    import traceback

    _no_dump()
    job = json.loads(sys.stdin.buffer.read())
    sys.set_int_max_str_digits(0)
    conn = Conn(job)
    sys.modules["solution"] = SolutionModule(conn)
    record = {"status": "fail", "excerpt": ""}
    try:
        _RUNNERS[job["kind"]](job, conn)
        record["status"] = "pass"
    except Infra as exc:
        record = {"infra": str(exc)}
    except BaseException as exc:
        record["excerpt"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-500:]
    finally:
        conn.close()
    _write_fd(result, _dumps(record))
    os._exit(0)


# -- role: judge (the special judge, in the judge job) --------------------------------------------------


def _score_of(value):
    if type(value) is bool:
        return 1.0 if value else 0.0
    if type(value) in (int, float) and 0 <= value <= 1:
        return float(value)
    raise TypeError(f"the checker returned {type(value).__name__}, not a bool or a score in [0, 1]")


def _judge_function(job):
    ns: dict[str, Any] = {"__name__": "__checker__"}
    _exec(job["checker"], "checker.py", ns)
    output = job["output"] if job["output_kind"] == "text" else decode(job["output"])
    return _score_of(ns["check"](job["input"], output, job["expected"]))


def _judge_program(job):
    import subprocess
    import tempfile

    work = tempfile.mkdtemp(prefix=".vwjudge", dir="/tmp")
    names = {"input": job["input"], "output": job["output"], "answer": job["expected"]}
    paths = []
    for name, text in names.items():
        p = os.path.join(work, name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text if type(text) is str else json.dumps(text))
        paths.append(p)
    src = os.path.join(work, "checker.py")
    with open(src, "w", encoding="utf-8") as f:
        f.write(job["checker"])
    proc = subprocess.run([sys.executable, "-I", "-B", src, *paths], capture_output=True, cwd=work)
    if proc.returncode != 0:
        tail = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        raise AssertionError(f"checker exit code {proc.returncode}: {tail.strip()[-300:]}")
    return 1.0


def role_judge(result):
    import traceback

    job = json.loads(sys.stdin.buffer.read())
    record = {"score": 0.0, "excerpt": ""}
    try:
        run = _judge_program if job["style"] == "testlib" else _judge_function
        record["score"] = run(job)
    except BaseException as exc:
        record["excerpt"] = "".join(traceback.format_exception_only(type(exc), exc)).strip()[-500:]
    _write_fd(result, _dumps(record))
    os._exit(0)
