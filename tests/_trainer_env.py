"""Trainer packages live in their own environments (see .ci/run): there a missing package is a failure."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(module: str, env: str) -> ModuleType:
    """`module`, imported; skipped when absent, unless `VERIWARD_TRAINER_ENV` names `env` (CI's venvs)."""
    if os.environ.get("VERIWARD_TRAINER_ENV") == env:
        return importlib.import_module(module)
    return pytest.importorskip(module)
