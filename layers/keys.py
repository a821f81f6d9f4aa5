"""API keys per person: who wrote what.

A key is 32 random bytes in URL-safe base64 with the prefix ``vgis_``; the store keeps
only its SHA-256 (``api_keys.key_sha256``), so a leaked database leaks no key. The
administrator's key is the ``VGIS_API_KEY`` setting and is named :data:`ADMIN`. A
revoked key opens nothing and stays listed (with the time of its revocation) until the
person is given a new key.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from layers.errors import Conflict, VgisError

ADMIN = "admin"
"""The name the journal gives the administrator's key (``VGIS_API_KEY``)."""
_NAME = re.compile(r"^[\w.@ -]{1,100}$")


@dataclass(frozen=True)
class ApiKey:
    """A person's key as listed: never the key itself."""

    name: str
    created_at: datetime
    revoked_at: datetime | None


def key_sha256(key: bytes) -> str:
    """The stored form of a key: SHA-256, hexadecimal."""
    return hashlib.sha256(key).hexdigest()


def add_key(engine: Engine, name: str) -> str:
    """Make a new key for ``name`` and return it (shown once; only its hash is kept).

    Raises
    ------
    Conflict
        When ``name`` has a key already (revoke it first) or is the administrator's name.
    VgisError
        When the name is empty, too long or has characters other than letters, digits,
        spaces and ``. @ - _``.
    """
    name = name.strip()
    if not _NAME.match(name):
        raise VgisError("a key's name is 1-100 letters, digits, spaces or . @ - _")
    if name == ADMIN:
        raise Conflict(f"{ADMIN!r} is the administrator's key (VGIS_API_KEY)")
    key = "vgis_" + secrets.token_urlsafe(32)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM api_keys WHERE name = :n AND revoked_at IS NOT NULL"),
                         {"n": name})
            conn.execute(text("INSERT INTO api_keys (name, key_sha256) VALUES (:n, :h)"),
                         {"n": name, "h": key_sha256(key.encode())})
    except IntegrityError:
        raise Conflict(f"{name!r} has a key already; `vgis key revoke {name}` first") from None
    return key


def list_keys(engine: Engine) -> list[ApiKey]:
    """Every person's key, by name."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT name, created_at, revoked_at FROM api_keys ORDER BY name")).all()
    return [ApiKey(str(r.name), r.created_at, r.revoked_at) for r in rows]


def revoke_key(engine: Engine, name: str) -> bool:
    """Revoke ``name``'s key at once; False when it has no active key."""
    with engine.begin() as conn:
        return bool(conn.execute(text(
            "UPDATE api_keys SET revoked_at = now() WHERE name = :n AND revoked_at IS NULL"),
            {"n": name}).rowcount)


def key_owner(engine: Engine, key: bytes) -> str | None:
    """The person whose active key ``key`` is, or None (one indexed lookup of its hash)."""
    with engine.connect() as conn:
        owner = conn.execute(text(
            "SELECT name FROM api_keys WHERE key_sha256 = :h AND revoked_at IS NULL"),
            {"h": key_sha256(key)}).scalar()
    return None if owner is None else str(owner)
