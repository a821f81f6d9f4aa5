"""Dependencies of the HTTP face: settings, the store, the API key for writes."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy import Engine

from api.guard import key_owner_or_refusal, stored_owner
from layers.runtime.settings import Settings, get_settings

if TYPE_CHECKING:
    from gis.warm import WarmAreas


def settings_dep() -> Settings:
    """The process settings."""
    return get_settings()


def engine_dep() -> Engine:
    """The store's engine (the local cluster is started on first use)."""
    from layers.runtime.db import get_engine

    return get_engine()


@lru_cache(maxsize=1)
def warm_areas() -> WarmAreas:
    """The areas this worker keeps in memory (``VGIS_CACHE_MB``), one per process."""
    from gis.warm import WarmAreas

    return WarmAreas(int(get_settings().cache_mb * 2**20))


SettingsDep = Annotated[Settings, Depends(settings_dep)]
EngineDep = Annotated[Engine, Depends(engine_dep)]


def require_api_key(
    request: Request, settings: SettingsDep,
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """Writes need ``X-API-Key``: the administrator's (``VGIS_API_KEY``) or a person's.

    Answers the key's owner (``admin`` or the person's name), whom the journal names.
    :class:`api.guard.Guard` has refused a wrong key before the body was read and left
    the owner in the request's state; this dependency states the rule in the OpenAPI
    document and holds where the guard is not in front (a test client).
    """
    known = getattr(request.state, "actor", None)
    if isinstance(known, str):
        return known
    owner = key_owner_or_refusal(
        settings, None if x_api_key is None else x_api_key.encode("latin-1"), stored_owner)
    if isinstance(owner, tuple):
        raise HTTPException(*owner)
    return owner


WriteAccess = Depends(require_api_key)
Actor = Annotated[str, WriteAccess]
