"""The code scorer's package stays one of a kind per thing: no block of code written twice, its harnesses
are real files shipped with the package, and every language is one `Language`."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from importlib.resources import files
from pathlib import Path

from veriward.verifiers.code import LANGUAGES
from veriward.verifiers.code._driver import job_spec, runner_source
from veriward.verifiers.code._reference import parse_reference

CODE = Path(__file__).resolve().parents[1] / "veriward" / "verifiers" / "code"
WINDOW = 6
SUFFIXES = (".py", ".java", ".js")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60


def _import_lines(text: str) -> set[int]:
    """Lines of import statements (a list of names is not a block of logic)."""
    out: set[int] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return out


def normalized(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the lines that carry code or prose: stripped, blanks and comments dropped."""
    text = path.read_text(encoding="utf-8")
    skip = _import_lines(text) if path.suffix == ".py" else set()
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s and n not in skip and not s.startswith(("#", "//")):
            out.append((n, s))
    return out


def duplicated_blocks(root: Path, window: int = WINDOW) -> list[list[tuple[str, int]]]:
    """Every run of `window` normalized lines that appears more than once under `root`, with its places."""
    seen: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for path in sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES):
        lines = normalized(path)
        for k in range(len(lines) - window + 1):
            key = tuple(s for _, s in lines[k : k + window])
            seen[key].append((str(path.relative_to(root)), lines[k][0]))
    return [places for places in seen.values() if len(places) > 1]


def test_no_block_of_six_lines_is_written_twice_in_the_code_scorer() -> None:
    dups = duplicated_blocks(CODE)
    assert not dups, "duplicated blocks (file, first line): " + "; ".join(map(str, dups[:10]))


def test_the_detector_finds_a_copied_block(tmp_path: Path) -> None:
    block = "\n".join(f"x{i} = compute({i})  # step {i}" for i in range(WINDOW))
    (tmp_path / "a.py").write_text(f"import os\n\n{block}\n")
    indented = "\n\n".join("    " + line for line in block.splitlines())  # other indentation, blank lines
    (tmp_path / "b.py").write_text(f"def f():\n    # a comment\n{indented}\n")
    (tmp_path / "c.js").write_text("\n".join(f"// note {i}\nlet y{i} = {i};" for i in range(WINDOW - 1)))
    assert [sorted(p for p, _ in places) for places in duplicated_blocks(tmp_path)] == [["a.py", "b.py"]]


def test_files_and_functions_stay_small() -> None:
    too_big = []
    for path in sorted(CODE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_FILE_LINES:
            too_big.append(f"{path.name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    too_big.append(f"{path.name}:{node.lineno} {node.name}: {n} lines")
    assert not too_big, too_big


_LITERAL = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.DOTALL)
_CONTROL = re.compile(r"^\s*(?:\}\s*)?(?:if|for|while|switch|catch|try|else|do|synchronized)\b")


def harness_functions(text: str) -> list[tuple[int, int]]:
    """(first line, lines) of every function or method body of a Java or JavaScript file: its braces
    matched outside comments and string literals, a header with a parameter list and no control keyword."""
    code = _LITERAL.sub(lambda m: "\n" * m.group().count("\n"), text)
    lines = code.splitlines()
    out, open_at = [], []
    for n, line in enumerate(lines, 1):
        for ch in line:
            if ch == "{":
                open_at.append(n)
            elif ch == "}" and open_at:
                start = open_at.pop()
                head = lines[start - 1]
                if ")" in head and not _CONTROL.match(head):
                    out.append((start, n - start + 1))
    return out


def test_harness_functions_stay_small() -> None:
    found = {}
    for path in sorted(p for p in (CODE / "harness").iterdir() if p.suffix in (".java", ".js")):
        sizes = harness_functions(path.read_text(encoding="utf-8"))
        assert sizes, path  # the scanner sees the file's functions
        found.update({f"{path.name}:{line}": n for line, n in sizes if n > MAX_FUNCTION_LINES})
    assert not found, found


def test_the_harness_scanner_measures_bodies_not_literals() -> None:
    text = (
        "class A {\n"
        "  static int f(int x) {\n"
        '    String s = "}{";  // }\n'
        "    if (x > 0) {\n"
        "      x++;\n"
        "    }\n"
        "    return x;\n"
        "  }\n"
        "}\n"
    )
    assert harness_functions(text) == [(2, 7)]


def test_harnesses_are_package_files_shipped_beside_the_submission() -> None:
    shipped = {lang.harness.name for lang in LANGUAGES.values() if lang.harness is not None}
    assert shipped == {"VwHarness.java", "vw_harness.js"}
    for name in shipped:
        assert (files("veriward.verifiers.code") / "harness" / name).is_file()
    ref = parse_reference({"language": "java", "entry_point": "f", "cases": [{"args": [1], "expected": 1}]})
    spec = job_spec(LANGUAGES["java"], "public class Sol { static int f(int x) { return x; } }", ref, 10.0)
    assert list(spec["files"]) == spec["sources"] == ["Sol.java", "VwHarness.java"]
    assert "public final class VwHarness" in spec["files"]["VwHarness.java"]


def test_runners_are_their_own_scripts_not_host_code() -> None:
    # What runs in the sandbox is the prelude and a runner's parts, each a real module of `_runner`.
    for lang in LANGUAGES.values():
        text = runner_source(lang)
        assert text.startswith('"""The prelude of veriward')
        assert text.rstrip().endswith(("serve(_compile_and_test)", "main()", "w: _run_test(job, i, c, w)))"))
