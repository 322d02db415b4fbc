"""What a benchmark prints, also written as a markdown file for the docs (`--markdown PATH`).

The file's first line names the script and its arguments, so `docs/benchmarks.md` includes only tables that
a script wrote (`tests/test_docs.py` checks it); rerun the script with `--markdown` to replace a table.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks"


def header(script: str, args: Sequence[str]) -> str:
    """The first line of a generated file: `<!-- output of: python benchmarks/NAME.py ARGS -->`."""
    return f"<!-- output of: python benchmarks/{script} {' '.join(args)}".rstrip() + " -->"


def add_markdown_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--markdown", type=Path, default=None, help=f"also write the tables as markdown (e.g. {DOCS}/NAME.md)"
    )


def table(head: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[bool] = ()) -> str:
    """A markdown table; `numeric[i]` right-aligns column i."""
    align = [("---:" if i < len(numeric) and numeric[i] else "---") for i in range(len(head))]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Report:
    """Prints as it goes; `write()` saves what was printed, paragraphs and tables, to `--markdown`."""

    def __init__(self, script: str, path: Path | None, argv: Sequence[str] | None = None) -> None:
        self.path = path
        args = list(sys.argv[1:] if argv is None else argv)
        if "--markdown" in args:  # the output path is not an argument of the measurement
            i = args.index("--markdown")
            del args[i : i + 2]
        self.head = header(script, [a for a in args if not a.startswith("--markdown=")])
        self.parts: list[str] = []

    def line(self, text: str = "") -> None:
        print(text)
        self.parts.append(text)

    def table(
        self, head: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[bool] = ()
    ) -> None:
        text = table(head, rows, numeric)
        print(text)
        self.parts.append(text)

    def write(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = "\n\n".join(p for p in self.parts if p.strip())
        self.path.write_text(f"{self.head}\n\n{body}\n", encoding="utf-8")
        print(f"(written to {self.path})")
