"""What every router takes from the request: the app's one `Engine` and when the request arrived."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, Request

from veriward.engine import Engine

__all__ = ["Arrival", "EngineDep", "arrival", "engine"]


# Coroutines, so that FastAPI calls them in the event loop rather than in its thread pool.
async def engine(request: Request) -> Engine:
    """The engine the app's lifespan started (one per server process)."""
    found: Engine = request.app.state.engine
    return found


async def arrival(request: Request) -> float:
    """When the request came in (set by the access middleware), for `elapsed_ms` and queue waits."""
    return float(getattr(request.state, "arrival", time.monotonic()))


EngineDep = Annotated[Engine, Depends(engine)]
Arrival = Annotated[float, Depends(arrival)]
