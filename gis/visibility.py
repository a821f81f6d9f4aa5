"""What passers-by see: villages visible from trunk roads and railways over the terrain.

Observers stand every ``spacing`` metres along the chosen lines (eyes above a road
and a railway: :class:`gis.params.VisibilityParams`, 1.7 m and 3 m by default); a
terrain cell is visible when at least one observer within ``max_distance`` sees it
(:func:`gis.terrain.union_viewshed`: exact line of sight over the bilinear terrain,
with earth curvature and refraction). A building is
visible when the cell under its centroid is; a village's ``visible_share`` is the
visible part of its building footprint area (points, which have no footprint, weigh
as the median footprint of the area). Distances are metres in the area's metric CRS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, Field
from rasterio.features import shapes

from gis.context import EXISTING, Context
from gis.params import CorridorParams, VisibilityParams
from gis.proximity import CorridorRow, corridor
from gis.terrain import Terrain, observers_along, require_terrain, union_viewshed
from layers.errors import VgisError


class VillageVisibility(BaseModel):
    """How much of one village is seen from the lines."""

    visible_share: float | None = Field(
        description="share of the building footprint area seen, 0..1 (null: no building "
                    "on the terrain, or no observer)")
    buildings: int = Field(description="buildings of the village")
    visible_buildings: int = Field(description="of them seen")
    buildings_off_terrain: int = Field(description="of them where the DEM has no data")


@dataclass
class Visibility:
    """Visibility of an area's villages from its trunk lines.

    Attributes
    ----------
    villages
        Per village id: ``visible_share`` (of building footprint area, None without
        buildings), ``buildings``, ``visible_buildings``.
    observers
        Observer points (metric CRS) with ``kind`` (road/railway) and ``height_m``.
    seen
        The visible cells (all of the terrain when computed with ``full=True``, else
        only the cells under buildings).
    """

    params: VisibilityParams
    terrain: Terrain
    villages: dict[int, VillageVisibility]
    observers: gpd.GeoDataFrame
    seen: NDArray[np.bool_]
    full: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def visible_area(self) -> gpd.GeoDataFrame:
        """The visible cells as polygons (metric CRS); only meaningful when ``full``."""
        polys = [shapely.geometry.shape(g) for g, v in
                 shapes(self.seen.astype(np.uint8), mask=self.seen,
                        transform=self.terrain.transform) if v == 1]
        return gpd.GeoDataFrame(geometry=polys, crs=self.terrain.crs)


def _lines(ctx: Context, road_classes: Sequence[str], railways: bool, margin: float
           ) -> list[tuple[str, gpd.GeoDataFrame]]:
    out: list[tuple[str, gpd.GeoDataFrame]] = []
    if road_classes:
        out.append(("road", ctx.layer("roads", EXISTING, margin_m=margin,
                                      classes=tuple(road_classes))))
    if railways:
        out.append(("railway", ctx.layer("railways", EXISTING, margin_m=margin)))
    return out


def corridor_visibility(
    ctx: Context, terrain: Terrain | None = None, *,
    lines: CorridorParams | None = None, params: VisibilityParams | None = None,
    full: bool = False,
) -> Visibility:
    """How much of each village's buildings is seen from the trunk roads and railways.

    Parameters
    ----------
    ctx
        The villages and the store.
    terrain
        The area's terrain in ``ctx.epsg`` metres (read from the store when None).
    lines
        Which lines the observers travel on: the road classes and railways of the
        corridor (default: :meth:`CorridorParams.defaults`).
    params
        Observer spacing and heights, target height, maximum distance, curvature.
    full
        Compute every cell of the terrain (for maps and rasters), not only the cells
        under buildings (enough for the figures, and much faster).

    Raises
    ------
    VgisError
        When the area has no terrain model.
    """
    params = params or VisibilityParams.defaults()
    params.check()
    lines = lines or CorridorParams.defaults()
    if terrain is None:
        terrain = require_terrain(ctx.engine, ctx.area, ctx.epsg)
    xy_parts, kinds, heights = [], [], []
    for kind, found in _lines(ctx, lines.road_classes, lines.railways, params.max_distance_m):
        xy, _ = observers_along(np.asarray(found.geometry.values), params.spacing_m)
        h = params.road_height_m if kind == "road" else params.rail_height_m
        xy_parts.append(xy)
        kinds += [kind] * len(xy)
        heights.append(np.full(len(xy), h))
    xy = np.concatenate(xy_parts) if xy_parts else np.empty((0, 2))
    height = np.concatenate(heights) if heights else np.empty(0)
    on_terrain = np.isfinite(terrain.sample(xy)) if len(xy) else np.zeros(0, dtype=bool)
    xy, height = xy[on_terrain], height[on_terrain]
    observers = gpd.GeoDataFrame(
        {"kind": np.asarray(kinds, dtype=object)[on_terrain], "height_m": height},
        geometry=shapely.points(xy) if len(xy) else [], crs=ctx.epsg)

    buildings = ctx.layer("buildings", EXISTING)
    geoms = np.asarray(buildings.geometry.values)
    cent = shapely.centroid(geoms)
    tree = shapely.STRtree(np.asarray(ctx.villages.geometry.values))
    b_idx, v_idx = tree.query(cent, predicate="within")
    b_idx, first = np.unique(b_idx, return_index=True)  # one village per building
    v_idx = v_idx[first]
    area = shapely.area(geoms[b_idx])
    polygonal = area > 0
    area = np.where(polygonal, area, np.median(area[polygonal]) if polygonal.any() else 1.0)
    rc = np.rint(terrain.to_rowcol(shapely.get_coordinates(cent[b_idx]))).astype(np.int64)
    rows, cols = terrain.elevation.shape
    on = (rc[:, 0] >= 0) & (rc[:, 0] < rows) & (rc[:, 1] >= 0) & (rc[:, 1] < cols)
    on[on] = np.isfinite(terrain.elevation[rc[on, 0], rc[on, 1]])
    targets = None
    if not full:
        targets = np.zeros(terrain.elevation.shape, dtype=bool)
        targets[rc[on, 0], rc[on, 1]] = True
    _check_work(terrain, len(xy), params.max_distance_m,
                int(np.isfinite(terrain.elevation).sum() if targets is None else targets.sum()))
    seen = union_viewshed(terrain, xy, height, target_height=params.target_height_m,
                          max_distance=params.max_distance_m, curvature=params.curvature,
                          targets=targets)
    visible = np.zeros(len(b_idx), dtype=bool)
    visible[on] = seen[rc[on, 0], rc[on, 1]]
    n = len(ctx.villages)
    # buildings off the terrain are unknown: neither seen nor unseen
    total_area = np.bincount(v_idx[on], weights=area[on], minlength=n)
    seen_area = np.bincount(v_idx, weights=area * visible, minlength=n)
    count = np.bincount(v_idx, minlength=n)
    known = np.bincount(v_idx[on], minlength=n)
    seen_count = np.bincount(v_idx, weights=visible, minlength=n)
    ids = ctx.villages["id"].to_numpy()
    watched = len(xy) > 0
    per_village = {
        int(ids[i]): VillageVisibility(
            visible_share=round(float(seen_area[i] / total_area[i]), 4)
            if known[i] and watched else None,
            buildings=int(count[i]), visible_buildings=int(seen_count[i]),
            buildings_off_terrain=int(count[i] - known[i]),
        ) for i in range(n)}
    note = None if watched else (
        "no observer: none of the chosen roads or railways lies on the terrain within "
        f"{params.max_distance_m:g} m of the villages")
    return Visibility(params, terrain, per_village, observers, seen, full,
                      {"note": note} if note else {})


MAX_SIGHT_SAMPLES = 1e9
"""Most elevation samples (an upper bound before cells already seen are skipped) that one
visibility analysis may take: one to two minutes on one core."""


def _check_work(terrain: Terrain, observers: int, max_distance: float, cells: int) -> None:
    """Refuse an analysis whose upper-bound cost is beyond :data:`MAX_SIGHT_SAMPLES`."""
    reach = max_distance / terrain.cell
    per_observer = min(np.pi * reach**2, cells) * reach
    if observers * per_observer > MAX_SIGHT_SAMPLES:
        raise VgisError(
            f"{observers} observers seeing {max_distance:g} m over {terrain.cell:.0f} m cells "
            f"is too much work (~{observers * per_observer:.1e} samples); "
            "space the observers wider or shorten the maximum distance")


def corridor_with_visibility(
    ctx: Context, lines: CorridorParams | None = None, *,
    params: VisibilityParams | None = None, terrain: Terrain | None = None,
) -> tuple[list[CorridorRow], Visibility]:
    """:func:`gis.proximity.corridor` rows with each village's visibility added.

    Each row gains ``visible_share``, ``buildings`` and ``visible_buildings``, and
    ``visible`` (true when some of its buildings are seen).
    """
    lines = lines or CorridorParams.defaults()
    rows = corridor(ctx, lines)
    vis = corridor_visibility(ctx, terrain, lines=lines, params=params)
    for row in rows:
        seen = vis.villages[row.village_id]
        for key, value in seen.model_dump().items():
            setattr(row, key, value)
        row.visible = bool(seen.visible_buildings)
    return rows, vis


def visibility_params_dict(params: VisibilityParams, observers: int) -> dict[str, Any]:
    """The parameters as reported next to the figures."""
    return {**params.as_dict(), "observers": observers}
