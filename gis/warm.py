"""Warm areas: an area's features kept in memory by the service, shared by its requests.

A request of the service needs the features around one village (or every village of
an area). Reading them from PostGIS and projecting them costs more than most analyses
themselves, so the service keeps, per area, every layer read once (all statuses,
projected to the area's metric CRS) and hands each request a
:class:`~gis.context.Context` whose ``layer()`` selects from memory **exactly the rows
the store would**: the store's ``geom && envelope`` compares single-precision boxes
rounded outwards (PostGIS ``BOX2DF``), and :meth:`AreaData.select` compares the same
boxes, so the warm path and the cold path compute from identical frames.

Freshness: each request reads the area's data version (one indexed row,
:mod:`layers.versions`); a cached area of another version is rebuilt. Every load, edit
or delete bumps the version in the database, so a second worker process sees it too.

Memory: :class:`WarmAreas` is an LRU over areas with a byte budget (``VGIS_CACHE_MB``);
the least recently used areas are dropped to stay within it, and an area larger than
the whole budget is served from the store each time, never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Engine

from gis.context import Context, data_extent, find_villages, metric_epsg
from layers.errors import UnknownVillage
from layers.schema import LAYERS, layer_spec
from layers.store import read_layer
from layers.versions import AreaVersion, area_version, village_version

T = TypeVar("T")
DERIVED_KEPT = 16  # derived values (e.g. hillshades of map windows) kept per area
_GEOMETRY_BYTES = 120  # GEOS object, envelope and Python wrapper, per geometry (estimate)
_COORD_BYTES = 24  # one x/y coordinate in GEOS (3 doubles) per vertex


def _box_down(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The largest single-precision value not above ``x`` (PostGIS ``next_float_down``)."""
    f = x.astype(np.float32)
    f = np.where(f.astype(np.float64) > x, np.nextafter(f, np.float32(-np.inf)), f)
    return f.astype(np.float64)


def _box_up(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """The smallest single-precision value not below ``x`` (PostGIS ``next_float_up``)."""
    f = x.astype(np.float32)
    f = np.where(f.astype(np.float64) < x, np.nextafter(f, np.float32(np.inf)), f)
    return f.astype(np.float64)


def float_boxes(bounds: NDArray[np.float64]) -> NDArray[np.float64]:
    """Bounds (n × 4: xmin, ymin, xmax, ymax) as PostGIS keeps them: floats, rounded out."""
    out = np.empty_like(bounds)
    out[:, :2] = _box_down(bounds[:, :2])
    out[:, 2:] = _box_up(bounds[:, 2:])
    return out


@dataclass(frozen=True)
class WarmLayer:
    """One layer of an area: features in the metric CRS and their store boxes (degrees)."""

    frame: gpd.GeoDataFrame
    boxes: NDArray[np.float64]  # n × 4, EPSG:4326, single-precision rounded outwards
    status: NDArray[np.object_]
    cls: NDArray[np.object_] | None

    @classmethod
    def read(cls, engine: Engine, area: str, layer: str, epsg: int) -> WarmLayer:
        """Every feature of ``layer`` in ``area`` (all statuses, source attributes not read)."""
        raw = read_layer(engine, layer, area=area, attrs=False)
        bounds = (shapely.bounds(np.asarray(raw.geometry.values)) if len(raw)
                  else np.empty((0, 4)))
        spec = layer_spec(layer)
        return cls(raw.to_crs(epsg), float_boxes(bounds), raw["status"].to_numpy(dtype=object),
                   raw["class"].to_numpy(dtype=object) if spec.class_field else None)

    def select(self, bbox: tuple[float, float, float, float], statuses: tuple[str, ...],
               classes: tuple[str, ...]) -> gpd.GeoDataFrame:
        """The rows ``read_layer(…, bbox=bbox, statuses=…, classes=…)`` returns, in order."""
        env = float_boxes(np.asarray([bbox], dtype=np.float64))[0]
        b = self.boxes
        keep = ((b[:, 0] <= env[2]) & (b[:, 2] >= env[0]) & (b[:, 1] <= env[3])
                & (b[:, 3] >= env[1]) & np.isin(self.status, statuses))
        if classes and self.cls is not None:
            keep &= np.isin(self.cls, classes)
        return self.frame.iloc[np.flatnonzero(keep)].reset_index(drop=True)

    def nbytes(self) -> int:
        """Estimated memory held (frame columns, geometries, boxes), bytes."""
        geoms = np.asarray(self.frame.geometry.values)
        coords = int(shapely.get_num_coordinates(geoms).sum()) if len(geoms) else 0
        columns = int(self.frame.drop(columns=self.frame.geometry.name)
                      .memory_usage(deep=True).sum())
        return columns + coords * _COORD_BYTES + len(geoms) * _GEOMETRY_BYTES + self.boxes.nbytes


@dataclass(frozen=True)
class AreaData:
    """Every layer and existing village of one area at one data version, in memory."""

    version: AreaVersion
    epsg: int
    villages: gpd.GeoDataFrame  # existing villages, metric CRS, by id
    layers: dict[str, WarmLayer]
    extent: tuple[float, float, float, float] | None = None  # degrees, when no villages
    _derived: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict, repr=False,
                                                 compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def read(cls, engine: Engine, version: AreaVersion) -> AreaData:
        """Read the area ``version`` names (read after the version, so never older)."""
        area = version.area
        epsg = metric_epsg(engine, area)
        villages = find_villages(engine, area=area, allow_empty=True).to_crs(epsg)
        layers = {name: WarmLayer.read(engine, area, name, epsg) for name in LAYERS}
        extent = None if len(villages) else data_extent(engine, area)
        return cls(version, epsg, villages, layers, extent)

    def select(self, layer: str, bbox: tuple[float, float, float, float],
               statuses: tuple[str, ...], classes: tuple[str, ...]) -> gpd.GeoDataFrame:
        """Features of ``layer`` as the store would select them (see :class:`WarmLayer`)."""
        return self.layers[layer].select(bbox, statuses, classes)

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()`` kept under ``key`` (the :data:`DERIVED_KEPT` latest) with this data."""
        with self._lock:
            if key in self._derived:
                self._derived.move_to_end(key)
                return cast(T, self._derived[key])
        value = make()
        with self._lock:
            self._derived[key] = value
            while len(self._derived) > DERIVED_KEPT:
                self._derived.popitem(last=False)
        return value

    def context(self, engine: Engine, village_id: int | None = None,
                allow_empty: bool = False) -> Context:
        """A context over one village (by id) or every village of the area.

        An area without villages gives a context of none (with the area's extent) only
        when ``allow_empty`` (a map that draws what there is); otherwise
        :class:`~layers.errors.UnknownVillage`, as :meth:`Context.load` says it.
        """
        villages = self.villages
        if villages.empty and not allow_empty:
            raise UnknownVillage(f"no village at all in area {self.version.area!r}; "
                                 "`vgis villages` lists them")
        if village_id is not None:
            villages = villages[villages["id"] == village_id].reset_index(drop=True)
        return Context(engine, self.version.area, self.epsg, villages, source=self,
                       extent=self.extent)

    def nbytes(self) -> int:
        """Estimated memory held, bytes."""
        villages = WarmLayer(self.villages, np.empty((0, 4)), np.empty(0, dtype=object), None)
        return villages.nbytes() + sum(w.nbytes() for w in self.layers.values())


@dataclass(frozen=True)
class WarmStats:
    """What the cache holds and has done since the process started."""

    areas: int
    bytes: int
    budget_bytes: int
    hits: int
    misses: int
    evictions: int
    too_large: int


class WarmAreas:
    """An LRU of :class:`AreaData` within ``budget_bytes``; thread-safe, one build per area.

    Parameters
    ----------
    budget_bytes
        Most memory the kept areas may hold together (estimated, bytes); 0 keeps none.
    """

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self._areas: OrderedDict[tuple[str, str], tuple[AreaData, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[str, str], threading.Lock] = {}
        self._hits = self._misses = self._evictions = self._too_large = 0

    def context(self, engine: Engine, *, area: str | None = None,
                village_id: int | None = None) -> Context:
        """The context of one village (by id) or of every village of ``area``, warm.

        Raises
        ------
        UnknownVillage, UnknownArea
            As :meth:`gis.context.Context.load` does.
        """
        if village_id is not None:
            version = village_version(engine, village_id)
        elif area is not None:
            version = area_version(engine, area)
        else:
            raise ValueError("give an area or a village id")
        return self.area(engine, version).context(engine, village_id)

    def area(self, engine: Engine, version: AreaVersion) -> AreaData:
        """The area at ``version``: kept, or read now (and kept when it fits)."""
        key = (str(engine.url), version.area)
        with self._lock:
            found = self._get(key, version)
            if found is not None:
                return found
            building = self._building.setdefault(key, threading.Lock())
        with building:  # requests for one cold area wait for one read
            with self._lock:
                found = self._get(key, version)
                if found is not None:
                    return found
                self._misses += 1
            data = AreaData.read(engine, version)
            size = data.nbytes()
            with self._lock:
                self._building.pop(key, None)
                if size > self.budget_bytes:
                    self._too_large += 1
                    return data
                self._areas[key] = (data, size)
                self._areas.move_to_end(key)
                self._shrink()
            return data

    def _get(self, key: tuple[str, str], version: AreaVersion) -> AreaData | None:
        held = self._areas.get(key)
        if held is None:
            return None
        if held[0].version != version:
            del self._areas[key]
            return None
        self._areas.move_to_end(key)
        self._hits += 1
        return held[0]

    def _shrink(self) -> None:
        total = sum(size for _, size in self._areas.values())
        while total > self.budget_bytes and self._areas:
            _, (_, size) = self._areas.popitem(last=False)
            total -= size
            self._evictions += 1

    def stats(self) -> WarmStats:
        """The areas kept, their estimated bytes, and the counters."""
        with self._lock:
            return WarmStats(len(self._areas), sum(s for _, s in self._areas.values()),
                             self.budget_bytes, self._hits, self._misses, self._evictions,
                             self._too_large)

    def clear(self) -> None:
        """Drop every kept area."""
        with self._lock:
            self._areas.clear()
