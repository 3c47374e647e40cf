"""`kiosk-hub serve`: the hub's app served by uvicorn. With `--workers N` uvicorn starts N
processes; each builds its own app (and engine) from the settings passed in the environment
(`KIOSK_HUB_SERVE`), and they share the database -- PostgreSQL for several workers in earnest."""
from __future__ import annotations

import json
import os
from pathlib import Path

from hub.settings import HubSettings

ENV = "KIOSK_HUB_SERVE"
DEFAULT_PORT = 8400


def app_from_env():
    """uvicorn's factory in each worker process."""
    from hub.api import create_app

    data = json.loads(os.environ[ENV])
    return create_app(HubSettings(data_dir=Path(data["data_dir"]), database=data["database"]))


def serve(settings: HubSettings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    os.environ[ENV] = json.dumps({"data_dir": str(settings.data_dir), "database": settings.database})
    uvicorn.run("hub.server:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info", access_log=False, timeout_graceful_shutdown=3)
