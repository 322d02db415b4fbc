"""Driver sources shipped into the sandbox: the shared prelude followed by the driver's own parts."""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).parent


def driver_source(*names: str) -> str:
    """The text run as `python3 -c` in the sandbox: `_driver_common.py`, then each file of `names`."""
    parts = ["_driver_common.py", *names]
    return "\n\n".join((_HERE / name).read_text(encoding="utf-8") for name in parts)
