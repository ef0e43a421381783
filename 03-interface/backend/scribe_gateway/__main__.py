"""``python -m scribe_gateway``: serve the gateway with uvicorn on ``GATEWAY_HOST:GATEWAY_PORT``.

The servers are those of the environment (``DATABASE_URL`` …, ``REDIS_URL``, ``MINIO_ENDPOINT``);
tasks are executed by separate ``taskiq worker scribe_worker.jobs.tasks:broker`` processes.
"""

from __future__ import annotations

import uvicorn

from scribe_core.settings import GatewaySettings
from scribe_gateway.app import create_app


def main() -> None:
    """Run the gateway until interrupted."""
    settings = GatewaySettings()
    uvicorn.run(create_app(), host=settings.host, port=settings.port, log_level="info")


if __name__ == "__main__":
    main()
