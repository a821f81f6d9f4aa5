"""Rendered answers kept by the service: maps, sheets and vector tiles, by data version.

A rendered page, sheet or tile depends on the request (path and query) and on the
data of its area, so it is kept under ``(path, query, area, data version)``
(:mod:`layers.versions`): the first request of a version renders it, the next ones
get the same bytes, and any load, edit or delete makes a new version, so nothing
rendered from old data is ever answered again. The ETag is made of the same key: a
browser that sends ``If-None-Match`` with it gets ``304 Not Modified`` for the cost of
reading the version. Bodies are kept gzip-compressed (most clients take them so) in
an LRU within ``VGIS_RENDER_CACHE_MB``.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Engine

from api.analysis import bounded
from api.deps import warm_areas
from gis.context import Context
from layers.runtime.settings import Settings, get_settings
from layers.versions import AreaVersion, area_version, store_version, village_version


class RenderedCache:
    """An LRU of gzip-compressed bodies within ``budget_bytes`` (thread-safe)."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: str) -> bytes | None:
        """The kept body (gzip) under ``key``, or None."""
        with self._lock:
            body = self._bodies.get(key)
            if body is None:
                self.misses += 1
                return None
            self._bodies.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: str, body: bytes) -> None:
        """Keep ``body`` (gzip) under ``key``, dropping the least recently used to fit."""
        if len(body) > self.budget_bytes:
            return
        with self._lock:
            old = self._bodies.pop(key, None)
            self._bytes -= len(old) if old is not None else 0
            self._bodies[key] = body
            self._bytes += len(body)
            while self._bytes > self.budget_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def nbytes(self) -> int:
        """Bytes kept."""
        return self._bytes


@lru_cache(maxsize=1)
def rendered_cache() -> RenderedCache:
    """The rendered answers this worker keeps (``VGIS_RENDER_CACHE_MB``)."""
    return RenderedCache(int(get_settings().render_cache_mb * 2**20))


def _accepts_gzip(request: Request) -> bool:
    return any(p.split(";")[0].strip() in ("gzip", "*")
               for p in request.headers.get("accept-encoding", "").split(","))


async def rendered(request: Request, settings: Settings, engine: Engine, *,
                   media_type: str, make: Callable[[AreaVersion], bytes],
                   village_id: int | None = None, area: str | None = None,
                   headers: dict[str, str] | None = None, variant: str = "") -> Response:
    """Answer ``make(version)``, rendered once per data version and request.

    The version is that of one village's area (``village_id``), of ``area``, or of the
    whole store (neither); ``variant`` tells apart answers of one URL (e.g. HTML and
    JSON by the ``Accept`` header).

    ``make`` runs in a worker thread within the analysis time limit and must render
    from exactly the data version it is given (:func:`warm_context` does).
    """
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()))
    cache = rendered_cache()

    def run() -> tuple[bytes | None, str]:
        version: AreaVersion = (village_version(engine, village_id) if village_id is not None
                                else area_version(engine, area) if area is not None
                                else store_version(engine))
        key = (f"{request.base_url}{request.url.path}?{query}#{variant}"
               f"#{version.area}@{version.version}")
        etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:24]}"'
        if etag in _etags(request):
            return None, etag
        body = cache.get(key)
        if body is None:
            body = gzip.compress(make(version), compresslevel=6)
            cache.put(key, body)
        return body, etag

    body, etag = await bounded(settings.analysis_timeout_s, run)
    out: dict[str, Any] = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding",
                           **(headers or {})}
    if body is None:
        return Response(status_code=304, headers=out)
    if _accepts_gzip(request):
        return Response(body, media_type=media_type, headers={**out, "Content-Encoding": "gzip"})
    return Response(gzip.decompress(body), media_type=media_type, headers=out)


def warm_context(engine: Engine, version: AreaVersion, village_id: int | None = None,
                 allow_empty: bool = False) -> Context:
    """The warm context of one village (by id) or the whole area, at ``version``.

    ``allow_empty``: an area without villages gives a context of none (for the overview
    map, which draws the layers there are) instead of a 404.
    """
    return warm_areas().area(engine, version).context(engine, village_id, allow_empty)


def _etags(request: Request) -> set[str]:
    raw = request.headers.get("if-none-match", "")
    return {t.strip().removeprefix("W/") for t in raw.split(",") if t.strip()}
