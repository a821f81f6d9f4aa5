"""Dependencies of the HTTP face: settings, the store, the API key for writes."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, HTTPException
from sqlalchemy import Engine

from layers.runtime.settings import Settings, get_settings


def settings_dep() -> Settings:
    """The process settings."""
    return get_settings()


def engine_dep() -> Engine:
    """The store's engine (the local cluster is started on first use)."""
    from layers.runtime.db import get_engine

    return get_engine()


SettingsDep = Annotated[Settings, Depends(settings_dep)]
EngineDep = Annotated[Engine, Depends(engine_dep)]


def require_api_key(
    settings: SettingsDep, x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    """Writes need ``X-API-Key`` equal to the ``VGIS_API_KEY`` setting."""
    if not settings.api_key:
        raise HTTPException(403, "writes are disabled: set VGIS_API_KEY on the server")
    if x_api_key is None or not secrets.compare_digest(x_api_key, settings.api_key):
        raise HTTPException(401, "missing or wrong X-API-Key")


WriteAccess = Depends(require_api_key)
