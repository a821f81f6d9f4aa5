"""The door of the service: a write shows its key, and every body its size, before it is read.

A pure ASGI middleware in front of the application, so that a keyless or oversized
request costs the server no more than the headers:

- a write (any method but GET, HEAD and OPTIONS, except the public analysis POSTs)
  without the right ``X-API-Key`` is answered 401 (403 while writes are disabled)
  before a byte of its body is read;
- a declared ``Content-Length`` over the route's limit is answered 413 at once;
- a body without a length (chunked) is counted while the application reads it, and
  the request ends with 413 the moment it passes the limit.

The key check is :func:`key_owner_or_refusal`, which the routes' ``Actor`` dependency
uses too, so the rule is written once. A key is the administrator's (``VGIS_API_KEY``,
compared in constant time) or a person's (:mod:`layers.keys`, one indexed lookup of its
hash); the owner's name is what the journal, the plans and the import records show.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
import psycopg
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError
from starlette.exceptions import HTTPException

from layers.errors import VgisError
from layers.runtime.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

READS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_POSTS = frozenset({"/analysis/candidates"})
"""POST routes that only compute (a body of weights): no key, the ordinary size limit."""
UPLOAD_BYTES = 100 * 1024 * 1024
"""Largest file a planner uploads (``/areas/{area}/upload``, ``/attributes``), bytes."""


Refusal = tuple[int, str]
KEY_BYTES = 200
"""Longest key looked up; a longer one is wrong without a query."""


def key_owner_or_refusal(settings: Settings, given: bytes | None,
                         lookup: Callable[[bytes], str | None]) -> str | Refusal:
    """The owner of ``given`` (``admin`` or a person), or the status and message to answer.

    The administrator's key is compared as bytes in constant time; any other key is
    looked up by its hash through ``lookup`` (:func:`layers.keys.key_owner`), so a key of
    any characters (UTF-8 or not) is simply wrong, never an error of the server.
    """
    from layers.keys import ADMIN

    if given is None or not given:
        if not settings.api_key:
            return 403, "writes are disabled: set VGIS_API_KEY on the server or give a key"
        return 401, "missing or wrong X-API-Key"
    if settings.api_key and secrets.compare_digest(given, settings.api_key.encode("utf-8")):
        return ADMIN
    owner = lookup(given) if len(given) <= KEY_BYTES else None
    if owner is None:
        return 401, "missing or wrong X-API-Key"
    return owner


def stored_owner(key: bytes) -> str | None:
    """A person's key looked up in the store (:func:`layers.keys.key_owner`)."""
    from layers.keys import key_owner
    from layers.runtime.db import get_engine

    return key_owner(get_engine(), key)


def body_limit(settings: Settings, path: str) -> int:
    """Bytes a request body to ``path`` may have."""
    return UPLOAD_BYTES if path.endswith(("/upload", "/attributes")) else settings.max_body_bytes


class BodyTooLarge(HTTPException):
    """A streamed body passed its limit while the application read it (413).

    An HTTP exception, so that the framework's body parsing passes it on as it is.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit // (1024 * 1024)} MB")


async def _answer(send: Send, status: int, error: str, detail: str,
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": error, "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: key before body, declared and streamed size limits."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a keyless write or an oversized body before the application reads it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = str(scope["path"]), str(scope["method"])
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if method not in READS and path not in PUBLIC_POSTS:
            given = headers.get(b"x-api-key")
            try:
                owner = await anyio.to_thread.run_sync(
                    key_owner_or_refusal, self.settings, given, stored_owner)
            except (OperationalError, InterfaceError, psycopg.OperationalError,
                    VgisError):  # the store is down: 503, as for any request
                await _answer(send, 503, "DatabaseUnavailable",
                              "the database cannot be reached; try again shortly",
                              [(b"retry-after", b"5")])
                return
            except ProgrammingError:  # no api_keys table: a schema older than the service
                await _answer(send, 503, "DatabaseUnavailable",
                              "the database schema is older than the service: run "
                              "`vgis db init`", [(b"retry-after", b"5")])
                return
            if isinstance(owner, tuple):
                await _answer(send, owner[0], "Unauthorized" if owner[0] == 401
                              else "Forbidden", owner[1])
                return
            scope.setdefault("state", {})["actor"] = owner
        limit = body_limit(self.settings, path)
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _answer(send, 400, "InvalidInput", "Content-Length is not a number")
                return
            if int(declared) > limit:
                await _answer(send, 413, "PayloadTooLarge",
                              f"request body over {limit // (1024 * 1024)} MB")
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _answer(send, 413, "PayloadTooLarge",
                              f"request body over {limit // (1024 * 1024)} MB")
