"""The door of the service: a write shows its key, and every body its size, before it is read.

A pure ASGI middleware in front of the application, so that a keyless or oversized
request costs the server no more than the headers:

- a write (any method but GET, HEAD and OPTIONS, except the public analysis POSTs)
  without the right ``X-API-Key`` is answered 401 (403 while writes are disabled)
  before a byte of its body is read;
- a declared ``Content-Length`` over the route's limit is answered 413 at once;
- a body without a length (chunked) is counted while the application reads it, and
  the request ends with 413 the moment it passes the limit.

The key check is :func:`key_status`, which the routes' ``WriteAccess`` dependency uses
too, so the rule is written once.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

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


def key_status(settings: Settings, given: bytes | None) -> tuple[int, str] | None:
    """None when ``given`` is the write key; else the status and message to answer.

    The key is compared as bytes in constant time, so a key of any characters (UTF-8
    or not) is simply wrong, never an error of the server.
    """
    if not settings.api_key:
        return 403, "writes are disabled: set VGIS_API_KEY on the server"
    if given is None or not secrets.compare_digest(given, settings.api_key.encode("utf-8")):
        return 401, "missing or wrong X-API-Key"
    return None


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
            refused = key_status(self.settings, headers.get(b"x-api-key"))
            if refused is not None:
                await _answer(send, refused[0], "Unauthorized" if refused[0] == 401
                              else "Forbidden", refused[1])
                return
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
