"""What an analysis reads: the villages asked about and the features near them, in metres.

Everything is read with bounding-box queries on the GiST-indexed geometry (only the
features within the villages' extent plus a margin), then projected to the area's
metric CRS: the UTM zone of the area's centre, unless the area is configured with
another (e.g. a CGCS2000 Gauss–Krüger zone in ``areas.metric_epsg``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from layers.errors import UnknownArea, UnknownVillage
from layers.schema import LAYERS, WGS84
from layers.store import read_frame, read_layer

T = TypeVar("T")
EXISTING: tuple[str, ...] = ("existing",)
WITH_PLANNED: tuple[str, ...] = ("existing", "planned")
_M_PER_DEG_LAT = 110_574.0


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone containing (lon, lat) degrees."""
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def data_extent(engine: Engine, area: str) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of every feature of ``area``, degrees; None: none."""
    parts = " UNION ALL ".join(f"SELECT ST_Extent(geom)::geometry AS e FROM {name} "
                               "WHERE area = :area" for name in LAYERS)
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM "
                                f"(SELECT ST_Extent(e) AS x FROM ({parts}) p) s"),
                           {"area": area}).first()
    if row is None or row[0] is None:
        return None
    return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))


def metric_epsg(engine: Engine, area: str) -> int:
    """The metric CRS of an area (configured, or the UTM zone of its villages' centre).

    An area without villages takes the UTM zone of the centre of all its features.
    """
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT a.metric_epsg, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM areas a "
            "LEFT JOIN LATERAL (SELECT ST_Extent(geom) AS e FROM villages v "
            "WHERE v.area = a.name) s ON TRUE WHERE a.name = :area"), {"area": area}).first()
    if row is None:
        raise UnknownArea(area)
    if row[0]:
        return int(row[0])
    bounds = tuple(row[1:]) if row[1] is not None else data_extent(engine, area)
    if bounds is None:
        raise UnknownVillage(f"area {area!r} has no villages to analyse")
    return utm_epsg((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)


def find_villages(engine: Engine, name: str | None = None, area: str | None = None,
                  village_id: int | None = None, allow_empty: bool = False,
                  ids: Sequence[int] | None = None) -> gpd.GeoDataFrame:
    """Existing villages by name (or all of an area; or those of ``ids``), EPSG:4326.

    With ``allow_empty``, no village matching gives an empty frame instead of an error.

    Raises
    ------
    UnknownVillage
        When no village matches (unless ``allow_empty``), or a name matches villages in
        several areas and no ``area`` is given.
    """
    where = ["status = 'existing'"]
    params: dict[str, object] = {}
    if area is not None:
        where.append("area = :area")
        params["area"] = area
    if ids is not None:
        where.append("id = ANY(:ids)")
        params["ids"] = list(ids)
    if village_id is not None:
        where.append("id = :vid")
        params["vid"] = village_id
    elif name is not None:
        if name.isdigit():
            where.append("(name = :name OR id = :vid)")
            params["vid"] = int(name)
        else:
            where.append("name = :name")
        params["name"] = name
    sql = ("SELECT id, area, name, code, population, households, boundary_source, geom "
           f"FROM villages WHERE {' AND '.join(where)} ORDER BY id")
    frame = read_frame(engine, sql, params)
    if frame.empty and allow_empty:
        return frame
    if frame.empty:
        what = (f"with id {village_id}" if village_id is not None
                else f"named {name!r}" if name else "at all")
        where_ = f" in area {area!r}" if area else ""
        raise UnknownVillage(f"no village {what}{where_}; `vgis villages` lists them")
    if frame["area"].nunique() > 1 and name is not None:
        raise UnknownVillage(
            f"{name!r} names villages in several areas ({', '.join(sorted(frame['area']))}); "
            "say which with --area")
    return frame.set_crs(WGS84, allow_override=True)


class LayerSource(Protocol):
    """Where a context takes its features from instead of the store (a warm area)."""

    def select(self, layer: str, bbox: tuple[float, float, float, float],
               statuses: tuple[str, ...], classes: tuple[str, ...]) -> gpd.GeoDataFrame:
        """The features :func:`layers.store.read_layer` would read, in the metric CRS."""

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, kept under ``key`` with the source's data."""


@dataclass
class Context:
    """Villages of one area and access to the features around them, in ``epsg`` metres.

    Features come from the store (bounding-box queries), or from ``source``: the
    area's features kept in memory by the service (:mod:`gis.warm`), which selects
    exactly the rows the store would.

    With ``plan`` (a plan's features per layer, EPSG:4326, :func:`layers.plans.plan_frames`)
    the planned features are the plan's: a read that asks for ``planned`` gets the
    existing features and the plan's, never the store's own planned rows (another plan
    or a file's); with ``plan_as_existing`` (:meth:`as_built`) every read gets them (the
    plan taken as built, e.g. to propose what it still lacks).

    A context of an area without villages (:meth:`of_area`) has none, and its
    ``extent`` (lon/lat degrees of all the area's features) takes their place in
    :meth:`bbox`: maps of the area draw the layers there are.
    """

    engine: Engine
    area: str
    epsg: int
    villages: gpd.GeoDataFrame  # metric CRS
    source: LayerSource | None = field(default=None, repr=False)
    plan: Mapping[str, gpd.GeoDataFrame] | None = field(default=None, repr=False)
    plan_as_existing: bool = False
    extent: tuple[float, float, float, float] | None = None
    _cache: dict[tuple[str, tuple[str, ...], float, tuple[str, ...]], gpd.GeoDataFrame] = field(
        default_factory=dict, repr=False)
    _bounds: tuple[float, ...] | None = field(default=None, repr=False)

    @classmethod
    def load(cls, engine: Engine, area: str | None, village: str | None = None,
             village_id: int | None = None) -> Context:
        """Context for one village (by name, or by ``village_id``) or all of ``area``."""
        frame = find_villages(engine, village, area, village_id)
        if area is None and frame["area"].nunique() > 1:
            raise UnknownVillage(f"the villages lie in several areas "
                                 f"({', '.join(sorted(frame['area'].unique()))}); "
                                 "say which with --area")
        area = str(frame["area"].iloc[0])
        epsg = metric_epsg(engine, area)
        return cls(engine, area, epsg, frame.to_crs(epsg))

    @classmethod
    def of_area(cls, engine: Engine, area: str) -> Context:
        """Context of every village of ``area``; of none, with its extent, when it has none.

        Raises
        ------
        UnknownArea
            When there is no such area.
        UnknownVillage
            When the area holds no feature at all.
        """
        frame = find_villages(engine, area=area, allow_empty=True)
        epsg = metric_epsg(engine, area)
        extent = None if len(frame) else data_extent(engine, area)
        return cls(engine, area, epsg, frame.to_crs(epsg), extent=extent)

    def bbox(self, margin_m: float) -> tuple[float, float, float, float]:
        """The villages' extent (or :attr:`extent`) grown by ``margin_m`` metres, lon/lat."""
        if self._bounds is None and self.villages.empty and self.extent is not None:
            self._bounds = self.extent
        if self._bounds is None:
            self._bounds = tuple(float(v) for v in self.villages.to_crs(WGS84).total_bounds)
        x0, y0, x1, y1 = self._bounds
        lat = max(abs(y0), abs(y1))
        dlat = margin_m / _M_PER_DEG_LAT * 1.01
        dlon = margin_m / (111_320.0 * max(np.cos(np.radians(lat)), 0.01)) * 1.01
        return (x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat)

    @contextmanager
    def as_built(self) -> Iterator[Context]:
        """While the block runs, the plan counts as built: every read gets its features."""
        was, self.plan_as_existing = self.plan_as_existing, True
        try:
            yield self
        finally:
            self.plan_as_existing = was

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """A value derived from the area's data (e.g. a map's hillshade): ``make()``.

        Kept with the area while it is warm; computed each time on a cold context.
        """
        return make() if self.source is None else self.source.derived(key, make)

    def reads(self) -> list[tuple[str, tuple[float, float, float, float]]]:
        """The boxes (layer, lon/lat bbox) this context has read from the store so far.

        The villages' own extent is always among them (as ``villages``); a plan's
        features are not (they are not the store's). What :mod:`gis.figures`
        fingerprints to know whether figures computed from them are still current.
        """
        seen = {("villages", self.bbox(0.0))}
        seen |= {(name, self.bbox(margin)) for name, _, margin, _ in self._cache
                 if not name.startswith("plan:")}
        return sorted(seen)

    def layer(self, name: str, statuses: Iterable[str] = EXISTING, margin_m: float = 0.0,
              classes: Iterable[str] = ()) -> gpd.GeoDataFrame:
        """Features of ``name`` within the villages' extent + ``margin_m``, in metres.

        Only ``classes`` when given. The source attributes are not read (only their
        ``ref``, a road's or railway's number), which keeps reading fast.
        """
        key = (name, tuple(sorted(statuses)), float(margin_m), tuple(sorted(classes)))
        if self.plan is not None and (self.plan_as_existing or "planned" in key[1]):
            planned = ("plan:" + name, key[1], key[2], key[3])
            if planned not in self._cache:
                self._cache[planned] = self._with_plan(name, margin_m, key[3])
            return self._cache[planned]
        return self._stored(key)

    def _stored(self, key: tuple[str, tuple[str, ...], float, tuple[str, ...]]
                ) -> gpd.GeoDataFrame:
        """The store's (or the warm source's) features under ``key``, metric CRS."""
        name, statuses, margin_m, classes = key
        if key not in self._cache and self.source is not None:
            self._cache[key] = self.source.select(name, self.bbox(margin_m), statuses, classes)
        elif key not in self._cache:
            frame = read_layer(self.engine, name, area=self.area, bbox=self.bbox(margin_m),
                               statuses=statuses, classes=classes or None, attrs=False)
            self._cache[key] = frame.to_crs(self.epsg)
        return self._cache[key]

    def _with_plan(self, name: str, margin_m: float, classes: tuple[str, ...]
                   ) -> gpd.GeoDataFrame:
        """The existing features of ``name`` and the plan's (ids negated: -plan feature id)."""
        existing = self._stored((name, EXISTING, float(margin_m), tuple(sorted(classes))))
        assert self.plan is not None
        planned = self.plan.get(name)
        if planned is None or planned.empty:
            return existing
        if classes and "class" in planned:
            planned = planned[planned["class"].isin(classes)]
        extra = planned.to_crs(self.epsg)
        rows = pd.DataFrame({c: extra[c].to_numpy() if c in extra else None
                             for c in existing.columns if c != existing.geometry.name})
        rows["id"] = -extra["id"].to_numpy()
        rows["area"], rows["status"], rows["source"] = self.area, "planned", "plan"
        added = gpd.GeoDataFrame(rows, geometry=extra.geometry.to_numpy(), crs=self.epsg)
        added = added.rename_geometry(existing.geometry.name)
        both = pd.concat([existing, added], ignore_index=True)
        return gpd.GeoDataFrame(both, geometry=existing.geometry.name, crs=self.epsg)
