"""veriward: faithful, hang-proof scorers for RL on language models."""

from veriward._sync import SyncEngine, score
from veriward._version import __version__
from veriward.client import AsyncClient, Client, ClientError, reward
from veriward.engine import Engine
from veriward.errors import Overloaded, RequestError, ScorerUnavailable, VeriwardError
from veriward.models import (
    BatchRequest,
    BatchResponse,
    GroupRequest,
    GroupResult,
    GroupStats,
    ScoreRequest,
    ScoreResult,
    Verdict,
    VerifierInfo,
)
from veriward.settings import Settings, get_settings
from veriward.verifiers import AsyncVerifier, Outcome, PooledVerifier, Verifier

__all__ = [
    "AsyncClient",
    "AsyncVerifier",
    "BatchRequest",
    "BatchResponse",
    "Client",
    "ClientError",
    "Engine",
    "GroupRequest",
    "GroupResult",
    "GroupStats",
    "Outcome",
    "Overloaded",
    "PooledVerifier",
    "RequestError",
    "ScoreRequest",
    "ScoreResult",
    "ScorerUnavailable",
    "Settings",
    "SyncEngine",
    "Verdict",
    "Verifier",
    "VerifierInfo",
    "VeriwardError",
    "__version__",
    "get_settings",
    "reward",
    "score",
]
