"""Running the service: uvicorn with veriward's protocol guards and logging, or replicas on Ray Serve."""

from __future__ import annotations

import sys

from veriward.settings import Settings, get_settings


def serve(
    settings: Settings | None = None,
    workers: int = 1,
    ray: bool = False,
    replicas: int = 2,
    max_replicas: int = 8,
) -> int:
    """Serve until stopped, bound to `settings.host`:`settings.port`; returns the exit status.

    Worker processes build their own settings from the environment (`VERIWARD_*`), so a caller that
    changes settings for them sets those variables before calling this.
    """
    import uvicorn

    from veriward.server._auth import KeyRing, open_bind_warning
    from veriward.server._logging import log_config
    from veriward.server._protocol import raise_descriptor_limit, uvicorn_options

    settings = settings or get_settings()
    warning = open_bind_warning(settings.host, KeyRing(settings))
    if warning:
        print(warning, file=sys.stderr, flush=True)
    if ray:
        from veriward.server._ray import serve_on_ray

        return serve_on_ray(settings.host, settings.port, replicas, max_replicas)
    raise_descriptor_limit()
    uvicorn.run(
        "veriward.server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level, settings.json_logs),
        access_log=False,  # replaced by veriward.access lines that carry the request id
        **uvicorn_options(settings),
    )
    return 0
