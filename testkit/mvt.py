"""A small reader of Mapbox Vector Tiles (spec 2.1): layers, features and their properties.

Written from the specification's protobuf schema for the tests, so a tile the service
sends is checked by code that is not PostGIS's own: Tile.layers = 3; Layer.name = 1,
features = 2, keys = 3, values = 4, extent = 5; Feature.id = 1, tags = 2 (packed),
type = 3, geometry = 4 (packed commands).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value: int or bytes) of one message."""
    out: list[tuple[int, int, Any]] = []
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire} not in the spec")
        out.append((num, wire, value))
    return out


def _packed(buf: bytes) -> list[int]:
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def _value(buf: bytes) -> Any:
    for num, _, v in _fields(buf):
        if num == 1:
            return v.decode()
        if num == 2:
            return struct.unpack("<f", v)[0]
        if num == 3:
            return struct.unpack("<d", v)[0]
        if num in (4, 5):
            return v if v < 2**63 else v - 2**64
        if num == 6:
            return (v >> 1) ^ -(v & 1)
        if num == 7:
            return bool(v)
    return None


@dataclass
class Feature:
    """One feature: its geometry type (1 point, 2 line, 3 polygon), properties, commands."""

    type: int
    properties: dict[str, Any]
    commands: list[int] = field(repr=False)


@dataclass
class Layer:
    """One layer of a tile."""

    name: str
    extent: int
    features: list[Feature]


def read_tile(data: bytes) -> dict[str, Layer]:
    """The layers of a tile (uncompressed bytes) by name."""
    layers = {}
    for num, _, raw in _fields(data):
        if num != 3:
            continue
        parts = _fields(raw)
        name = next(v.decode() for n, _, v in parts if n == 1)
        extent = next((v for n, _, v in parts if n == 5), 4096)
        keys = [v.decode() for n, _, v in parts if n == 3]
        values = [_value(v) for n, _, v in parts if n == 4]
        feats = []
        for n, _, fraw in parts:
            if n != 2:
                continue
            f = _fields(fraw)
            tags = next((_packed(v) for k, _, v in f if k == 2), [])
            props = {keys[tags[j]]: values[tags[j + 1]] for j in range(0, len(tags), 2)}
            feats.append(Feature(next((v for k, _, v in f if k == 3), 0), props,
                                 next((_packed(v) for k, _, v in f if k == 4), [])))
        layers[name] = Layer(name, extent, feats)
    return layers
