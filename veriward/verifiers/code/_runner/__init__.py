"""The in-sandbox runners: Python programs shipped into the sandbox as text and run there as pid 1 of a job.

veriward imports none of the other modules of this package. `source` reads the prelude and a runner's
parts from the installed package and joins them into the one text run as `python3 -c` inside the sandbox
(a file the candidate could overwrite is never imported; the processes the runner starts in a role run
its compiled code from a sealed memfd, see `python.role_argv`): `native` for compiled and other languages,
`python` (with `wire`, `remote` and `checker`) for Python and the checker's own jobs.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

__all__ = ["source"]


@cache
def source(*parts: str) -> str:
    """The prelude, then each of `parts` (module names of this package), as one script."""
    here = files(__name__)
    return "\n\n".join((here / f"{name}.py").read_text(encoding="utf-8") for name in ("prelude", *parts))
