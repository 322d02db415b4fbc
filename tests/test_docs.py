"""Every example in the docs runs: a pasted example cannot break silently.

Each fenced block of README.md and docs/**/*.md is one test case:
- `python` blocks run as a script (`VERIWARD_URL` points at a live server on loopback);
- `bash` blocks run under `bash -euo pipefail` with `http://127.0.0.1:8000` pointed at that server;
- `json` blocks must parse; `yaml` blocks too;
- `text` blocks are printed output, and not run.
A block preceded by `<!-- docs: not run: REASON -->` (installing toolchains, a GPU, a model download, a
long-running server) is reported as skipped with that reason, never silently; every other block must pass.
Blocks run in a fresh temporary directory holding the files that the page's `<!-- docs: file: NAME -->`
blocks define.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from conftest import LiveServer

from veriward.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
_FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_MARK = re.compile(r"<!--\s*docs:\s*(not run|file):\s*(.+?)\s*-->\s*$")
_PORT = "http://127.0.0.1:8000"
_OUTPUT = ("", "text", "console", "output")
_RUN = ("python", "bash", "sh", "shell", "json", "yaml")


class Block(NamedTuple):
    where: str  # path:line of the opening fence
    lang: str
    body: str
    not_run: str | None  # the reason given by a `not run` marker
    file: str | None  # the name a `file` marker gives the block (written, not run)


def _blocks(path: Path) -> Iterator[Block]:
    text = path.read_text(encoding="utf-8")
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        kind, arg = (mark.group(1), mark.group(2)) if mark else ("", "")
        yield Block(
            f"{path.relative_to(ROOT)}:{line}",
            m.group(1).lower(),
            m.group(2),
            arg if kind == "not run" else None,
            arg if kind == "file" else None,
        )


BLOCKS = [b for path in DOCS for b in _blocks(path)]


def _page(block: Block) -> str:
    return block.where.rsplit(":", 1)[0]


def _files(page: str) -> dict[str, str]:
    """The files a page's `file` blocks define, for every example of that page."""
    return {b.file: b.body for b in BLOCKS if b.file is not None and _page(b) == page}


@pytest.fixture(scope="module")
def docs_server() -> Iterator[LiveServer]:
    server = LiveServer(Settings(pool_workers=2)).start()
    yield server
    server.stop()


def _run(cmd: list[str], body: str, server: LiveServer, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VERIWARD_URL": server.url, "VERIWARD_PORT": str(server.port)}
    env.pop("VERIWARD_API_KEY", None)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        cmd, input=body, capture_output=True, text=True, timeout=300, cwd=tmp, env=env, check=False
    )


def _is_request(value: object) -> bool:
    """A score request, as opposed to a response (which carries a `score`) or another object."""
    return isinstance(value, dict) and {"verifier", "response"} <= value.keys() and "score" not in value


def test_docs_have_examples() -> None:
    """The collection itself: every page is read, and no block hides behind an unknown language."""
    assert (ROOT / "README.md").exists() and len(DOCS) > 10
    runnable = [b for b in BLOCKS if b.lang in _RUN and b.not_run is None and b.file is None]
    assert len(runnable) >= 15, [b.where for b in runnable]
    for b in BLOCKS:
        assert b.lang in _RUN + _OUTPUT, f"{b.where}: ```{b.lang}: give it a language this test runs"
        assert b.not_run is None or len(b.not_run) > 8, f"{b.where}: say why it is not run"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.where for b in BLOCKS])
def test_example(block: Block, docs_server: LiveServer, tmp_path: Path) -> None:
    if block.not_run is not None:
        pytest.skip(f"not run: {block.not_run}")
    if block.file is not None:  # a file the page's examples read: it must at least parse
        if block.lang == "json":  # JSON lines
            assert all(json.loads(line) is not None for line in block.body.splitlines() if line.strip())
        elif block.lang == "python":
            compile(block.body, block.file, "exec")
        else:
            assert block.lang == "yaml", f"{block.where}: a file block must be json, python or yaml"
            list(yaml.safe_load_all(block.body))
        return
    if block.lang in _OUTPUT:
        pytest.skip("printed output, not an example")
    if block.lang == "json":
        value = json.loads(block.body)
        if _is_request(value):  # a score request shown on its own: the server must take it and decide it
            with docs_server.client() as client:
                r = client.post("/v1/score", json=value)
            assert r.status_code == 200, f"{block.where}: {r.status_code} {r.text[:500]}"
            assert r.json()["verdict"] != "error", f"{block.where}: {r.json()['reason']}"
        return
    if block.lang == "yaml":
        list(yaml.safe_load_all(block.body))
        return
    for name, body in _files(_page(block)).items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    if block.lang == "python":
        out = _run([sys.executable, "-"], block.body, docs_server, tmp_path)
    else:
        script = block.body.replace(_PORT, docs_server.url)
        out = _run(["bash", "-euo", "pipefail", "-s"], script, docs_server, tmp_path)
    assert out.returncode == 0, f"{block.where} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"


_INCLUDE = re.compile(r'^--8<-- "([^"]+)"\s*$', re.M)
_OUTPUT_OF = re.compile(r"^<!-- output of: python benchmarks/(\w+\.py)( [^>]*)? -->$")


def _includes() -> list[tuple[str, Path]]:
    return [
        (f"{page.relative_to(ROOT)}", ROOT / "docs" / m.group(1))
        for page in DOCS
        for m in _INCLUDE.finditer(page.read_text(encoding="utf-8"))
    ]


def test_benchmark_tables_come_from_their_scripts() -> None:
    """Every table the docs include is a file a benchmark script writes (`--markdown`), naming its command."""
    included = _includes()
    assert len(included) >= 10
    for page, path in included:
        assert path.exists(), f"{page} includes {path}, which is missing"
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        m = _OUTPUT_OF.match(first)
        assert m, f"{path}: the first line must name the script that wrote it, not {first!r}"
        script = ROOT / "benchmarks" / m.group(1)
        source = script.read_text(encoding="utf-8")
        assert "add_markdown_arg(" in source and f'Report("{m.group(1)}"' in source, (
            f"{script} cannot write it"
        )
        assert "| --- |" in path.read_text(encoding="utf-8") or "---:" in path.read_text(encoding="utf-8")
    written = {p for _, p in included}
    orphans = [p for p in (ROOT / "docs" / "benchmarks").glob("*.md") if p not in written]
    assert not orphans, f"generated tables no page includes: {orphans}"


def test_report_writes_what_the_docs_include(tmp_path: Path) -> None:
    """The writer itself: a header naming the command (without the output path), then the printed parts."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _report import Report
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    out = Report("demo.py", tmp_path / "demo.md", ["--n", "3", "--markdown", str(tmp_path / "demo.md")])
    out.line("Three rows.")
    out.table(("name", "value"), [("a", 1), ("b|c", 2)], (False, True))
    out.write()
    text = (tmp_path / "demo.md").read_text(encoding="utf-8")
    assert text.split("\n", 1)[0] == "<!-- output of: python benchmarks/demo.py --n 3 -->"
    assert _OUTPUT_OF.match(text.split("\n", 1)[0])
    assert "| name | value |\n| --- | ---: |\n| a | 1 |\n| b\\|c | 2 |" in text
    assert text.index("Three rows.") < text.index("| name")


def test_readme_runs_the_tests_as_ci_does() -> None:
    """The README's test command is the one `.ci/run` runs, and CI builds the site strictly."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[dev]' && python -m pytest -q" in readme
    assert re.search(r"^pip install -q -e '\.\[dev\]'$", ci, re.M)
    assert re.search(r"^python -m pytest -q$", ci, re.M)
    assert re.search(r"^(\w+=\S* )*mkdocs build --strict\b", ci, re.M)
    pages = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").glob("*.md")}
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]

    def leaves(items: list[object]) -> Iterator[str]:
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            yield from leaves(value) if isinstance(value, list) else [str(value)]

    assert set(leaves(nav)) == pages, "every page of docs/ is in mkdocs.yml's nav, and only those"
