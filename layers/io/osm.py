"""Import every canonical layer from an OpenStreetMap PBF extract.

The tag → layer/class table below is the whole mapping (docs/data-model.md); it is
data, tested on its own. Villages come from closed administrative polygons of
village level (admin_level ≥ 9); where an extract has none, each named settlement
place gets the territory nearest to it (Voronoi cells of the place points, in a
metric projection, clipped to the data extent), marked ``boundary_source=derived``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely

from layers.errors import UnreadableFile
from layers.io.normalize import normalize
from layers.report import ImportReport
from layers.schema import LAYERS, WGS84

Tags = dict[str, str]

# (layer, key, {tag value: canonical class}); "*" matches any value not listed.
TAG_TABLE: list[tuple[str, str, dict[str, str]]] = [
    ("roads", "highway", {
        "motorway": "expressway", "motorway_link": "expressway",
        "trunk": "national", "trunk_link": "national",
        "primary": "provincial", "primary_link": "provincial",
        "secondary": "county", "secondary_link": "county",
        "tertiary": "township", "tertiary_link": "township",
        "unclassified": "village", "residential": "village", "living_street": "village",
        "service": "alley", "footway": "alley", "path": "alley", "pedestrian": "alley",
        "steps": "alley", "cycleway": "alley", "bridleway": "alley",
        "track": "track", "road": "other",
    }),
    ("railways", "railway", {
        "rail": "rail", "narrow_gauge": "rail", "light_rail": "light_rail", "tram": "tram",
        "subway": "other", "monorail": "other",
    }),
    ("drainage", "waterway", {
        "ditch": "ditch", "drain": "drain", "canal": "canal", "stream": "stream", "river": "river",
    }),
    ("lights", "highway", {"street_lamp": "other"}),
    ("garbage", "amenity", {
        "waste_basket": "bin", "waste_disposal": "collection_point",
        "waste_transfer_station": "transfer_station", "recycling": "recycling",
    }),
    ("facilities", "amenity", {
        "toilets": "toilet", "clinic": "clinic", "doctors": "clinic", "hospital": "clinic",
        "school": "school", "kindergarten": "school", "library": "reading_room",
        "community_centre": "meeting_room", "townhall": "meeting_room",
        "marketplace": "square", "notice_board": "notice_board",
    }),
    ("facilities", "place", {"square": "square"}),
    ("zones", "boundary", {"protected_area": "ecological_redline", "national_park": "scenic_area"}),
    ("zones", "leisure", {"nature_reserve": "ecological_redline"}),
    ("zones", "tourism", {"theme_park": "scenic_area", "zoo": "scenic_area"}),
    ("places", "place", {
        "city": "town", "town": "town", "village": "village", "hamlet": "hamlet",
        "isolated_dwelling": "hamlet", "suburb": "other", "quarter": "other",
        "neighbourhood": "other", "locality": "other", "farm": "other",
    }),
]
_LINE_LAYERS = {"roads", "railways", "drainage"}
_POINT_LAYERS = {"lights", "garbage", "places"}
_AREA_LAYERS = {"buildings", "facilities", "zones"}
# places whose territory becomes a derived village
SETTLEMENT_PLACES = ("town", "village", "hamlet", "suburb")
_PAVED = {"paved", "asphalt", "concrete", "concrete:plates", "concrete:lanes", "paving_stones",
          "sett", "cobblestone", "unhewn_cobblestone", "metal", "wood", "bricks", "chipseal"}
_UNPAVED = {"unpaved", "gravel", "fine_gravel", "compacted", "dirt", "earth", "ground", "grass",
            "sand", "mud", "pebblestone", "grass_paver", "rock", "woodchips"}


def classify(tags: Tags, kind: str) -> list[tuple[str, str]]:
    """The (layer, class) pairs an OSM object with ``tags`` maps to.

    Parameters
    ----------
    tags
        The object's tags.
    kind
        ``node``, ``way`` (an open or closed line) or ``area``.
    """
    found: list[tuple[str, str]] = []
    for layer, key, table in TAG_TABLE:
        value = tags.get(key)
        if value is None or value not in table:
            continue
        if (layer in _LINE_LAYERS) != (kind == "way"):
            continue  # closed ways of area features arrive again as areas
        if layer == "lights" and kind != "node":
            continue
        if layer == "places" and kind != "node":
            continue
        if layer == "zones" and kind != "area":
            continue
        if layer == "railways" and tags.get("highspeed") == "yes" and table[value] == "rail":
            found.append((layer, "high_speed"))
            continue
        found.append((layer, table[value]))
    if "building" in tags and tags["building"] != "no" and kind == "area":
        found.append(("buildings", tags["building"]))
    return found


def road_surface(tags: Tags) -> str:
    """Canonical surface of a road from its ``surface`` tag."""
    value = tags.get("surface", "")
    return "hardened" if value in _PAVED else "unhardened" if value in _UNPAVED else "unknown"


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value.replace(",", ".").split(";")[0].split()[0])
    except (ValueError, IndexError):
        return None


def _own_fields(layer: str, cls: str, tags: Tags) -> dict[str, Any]:
    fields: dict[str, Any] = {"class": cls}
    if layer == "roads":
        fields["surface"] = road_surface(tags)
        fields["width_m"] = _number(tags.get("width"))
    elif layer == "drainage":
        fields["covered"] = tags.get("tunnel") == "culvert" or tags.get("covered") == "yes"
    elif layer == "places":
        if tags.get("capital") in {"2", "3", "4", "5", "6", "yes"}:
            fields["class"] = "county_seat"
        pop = _number(tags.get("population"))
        fields["population"] = int(pop) if pop is not None else None
    elif layer == "buildings":
        flats = _number(tags.get("building:flats"))
        fields["households"] = int(flats) if flats else None
    return fields


@dataclass
class _Collected:
    rows: dict[str, list[dict[str, Any]]]
    admin: list[dict[str, Any]]
    extent: tuple[float, float, float, float]
    skipped: int


def _collect(path: Path, progress: Callable[[int], None] | None) -> _Collected:
    wkb = osmium.geom.WKBFactory()
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in LAYERS}
    admin: list[dict[str, Any]] = []
    lon_min = lat_min = np.inf
    lon_max = lat_max = -np.inf
    seen = skipped = 0
    processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
    for obj in processor:
        seen += 1
        if progress is not None and seen % 20000 == 0:
            progress(seen)
        if isinstance(obj, osmium.osm.Node):
            loc = obj.location
            if loc.valid():
                lon_min, lon_max = min(lon_min, loc.lon), max(lon_max, loc.lon)
                lat_min, lat_max = min(lat_min, loc.lat), max(lat_max, loc.lat)
        if not obj.tags:
            continue
        tags = dict(obj.tags)
        if isinstance(obj, osmium.osm.Node):
            kind, oid = "node", f"n{obj.id}"
        elif isinstance(obj, osmium.osm.Way):
            kind, oid = "way", f"w{obj.id}"
        elif isinstance(obj, osmium.osm.Area):
            kind = "area"
            oid = f"{'w' if obj.from_way() else 'r'}{obj.orig_id()}"
            if tags.get("boundary") == "administrative" and "admin_level" in tags:
                try:
                    admin.append({"tags": tags, "id": oid, "wkb": wkb.create_multipolygon(obj)})
                except (RuntimeError, osmium.InvalidLocationError):
                    skipped += 1
        else:
            continue
        matches = classify(tags, kind)
        if not matches:
            continue
        try:
            if isinstance(obj, osmium.osm.Node):
                geom = wkb.create_point(obj)
            elif isinstance(obj, osmium.osm.Way):
                geom = wkb.create_linestring(obj)
            else:
                geom = wkb.create_multipolygon(obj)
        except (RuntimeError, osmium.InvalidLocationError):
            skipped += 1  # a way cut by the extract's edge, or a broken ring: skip it
            continue
        for layer, cls in matches:
            rows[layer].append({
                "osm_id": oid, "name": tags.get("name"), "wkb": geom,
                **_own_fields(layer, cls, tags),
                "tags": tags,
            })
    if not np.isfinite(lon_min):
        raise UnreadableFile(f"{path.name}: no nodes with coordinates; is it a truncated extract?")
    return _Collected(rows, admin, (lon_min, lat_min, lon_max, lat_max), skipped)


def _frame(rows: list[dict[str, Any]], layer: str) -> gpd.GeoDataFrame:
    spec = LAYERS[layer]
    columns = ["osm_id", "name", *(f.name for f in spec.fields if f.name != "boundary_source")]
    if not rows:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    frame = pd.DataFrame(rows)
    geoms = shapely.from_wkb(frame.pop("wkb").to_numpy(), on_invalid="ignore")
    tags = frame.pop("tags")
    skip = {"name", *(f.name for f in spec.fields)}
    frame["attrs"] = [
        json.dumps({k: v for k, v in t.items() if k not in skip}, ensure_ascii=False)
        for t in tags
    ]
    if layer in _POINT_LAYERS | {"facilities"}:
        polygonal = shapely.get_dimensions(geoms) == 2
        if layer != "facilities":
            geoms = np.where(polygonal, shapely.point_on_surface(geoms), geoms)
    if layer in ("buildings", "facilities"):
        single = shapely.get_num_geometries(geoms) == 1
        geoms = np.where(single, shapely.get_geometry(geoms, 0), geoms)
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=WGS84)


def metric_crs(lon: float, lat: float) -> int:
    """EPSG code of the UTM zone (WGS84) containing a point."""
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + zone


def derive_villages(
    places: gpd.GeoDataFrame, extent: tuple[float, float, float, float],
    admin: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Territories of named settlement places: Voronoi cells clipped to ``extent``.

    Parameters
    ----------
    places
        Places with ``name``, ``class``, ``population`` and OSM place value in ``place``.
    extent
        (min lon, min lat, max lon, max lat) of the data, EPSG:4326 degrees.
    admin
        Administrative polygons with ``admin_level`` and ``name`` (for township/county).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per settlement, EPSG:4326, ``boundary_source = "derived"``.
    """
    named = places[places["name"].notna() & places["place"].isin(SETTLEMENT_PLACES)]
    named = named.drop_duplicates(subset="geometry")
    if named.empty:
        named = places[places["name"].notna()].drop_duplicates(subset="geometry")
    if named.empty:
        return gpd.GeoDataFrame(geometry=[], crs=WGS84)
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    utm = metric_crs(cx, cy)
    pts = named.to_crs(utm)
    box = gpd.GeoSeries([shapely.box(*extent)], crs=WGS84).to_crs(utm).iloc[0]
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.MultiPoint(pts.geometry.to_list()), extend_to=box))
    # voronoi_polygons does not keep input order: match each cell to its place point
    cell_of = shapely.STRtree(cells).query(pts.geometry.values, predicate="within")
    order = np.empty(len(pts), dtype=int)
    order[cell_of[0]] = cell_of[1]
    territory = shapely.intersection(cells[order], box)
    villages = gpd.GeoDataFrame({
        "name": named["name"].to_numpy(),
        "population": named["population"].to_numpy(),
        "osm_id": named["osm_id"].to_numpy(),
        "boundary_source": "derived",
        "attrs": [json.dumps({"place": p}) for p in named["place"]],
    }, geometry=territory, crs=utm).to_crs(WGS84)
    villages["geometry"] = shapely.make_valid(villages.geometry.values)
    _set_admin_names(villages, named, admin)
    return villages


def _set_admin_names(villages: gpd.GeoDataFrame, points: gpd.GeoDataFrame,
                     admin: gpd.GeoDataFrame) -> None:
    for column, levels in (("township", {"7", "8"}), ("county", {"5", "6"})):
        polys = admin[admin["admin_level"].isin(levels)] if len(admin) else admin
        villages[column] = None
        if len(polys) == 0:
            continue
        hit = gpd.sjoin(points[["geometry"]].reset_index(drop=True), polys[["name", "geometry"]],
                        predicate="within", how="left")
        hit = hit[~hit.index.duplicated()]
        villages[column] = hit["name"].to_numpy()


def import_osm(
    path: Path, *, progress: Callable[[int], None] | None = None
) -> tuple[dict[str, gpd.GeoDataFrame], ImportReport]:
    """Read every canonical layer from an OSM PBF/XML file.

    Returns
    -------
    (frames, report)
        Canonical frames (EPSG:4326) by layer, and the import report; nothing written yet.
    """
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    report = ImportReport(source=path.name)
    try:
        collected = _collect(path, progress)
    except RuntimeError as exc:
        raise UnreadableFile(f"{path.name}: cannot read OSM data ({exc})") from exc
    if collected.skipped:
        report.notes.append(
            f"{collected.skipped} OSM object(s) without complete geometry (cut by the extract's "
            "edge or broken) were skipped"
        )
    raw = {layer: _frame(rows, layer) for layer, rows in collected.rows.items()}
    admin = gpd.GeoDataFrame(
        {"name": [a["tags"].get("name") for a in collected.admin],
         "admin_level": [a["tags"].get("admin_level") for a in collected.admin],
         "osm_id": [a["id"] for a in collected.admin],
         "code": [a["tags"].get("ref") or a["tags"].get("admin_code") for a in collected.admin]},
        geometry=shapely.from_wkb([a["wkb"] for a in collected.admin]) if collected.admin else [],
        crs=WGS84,
    )
    places = raw["places"].copy()
    places["place"] = [t.get("place") for t in (r["tags"] for r in collected.rows["places"])]
    levels = pd.to_numeric(admin["admin_level"], errors="coerce") if len(admin) else pd.Series()
    official = admin[levels >= 9] if len(admin) else admin
    if len(official):
        villages = gpd.GeoDataFrame(
            official[["name", "osm_id", "code"]].assign(boundary_source="official"),
            geometry=official.geometry.values, crs=WGS84)
        report.notes.append(f"{len(villages)} village boundaries from administrative polygons")
    else:
        villages = derive_villages(places, collected.extent, admin)
        report.notes.append(
            f"no village-level administrative polygons: {len(villages)} village territories "
            "derived from named places (Voronoi cells clipped to the data extent)"
        )
    raw["villages"] = villages
    frames = {
        layer: normalize(frame, LAYERS[layer], source=path.name, report=report)
        for layer, frame in raw.items()
    }
    return frames, report
