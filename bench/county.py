"""A seeded synthetic county for the benchmark: villages, roads, railways, lights, bins, buildings.

The county is laid out in metres in UTM zone 50N (EPSG:32650), centred on 114.6° E,
30.5° N (the plain of eastern Hubei), and returned in EPSG:4326 like an import:

- **villages** tile the county: Voronoi cells of jittered-grid village seats, one seat
  per 330 buildings, about 2 km apart (≈ 4 km² a village, ≈ 1,200 km² at 100k buildings),
  with boundaries like surveyed ones (a vertex every 15 m, ≈ 550 a village, smoothly
  bent by up to ≈ 70 m);
- **settlements** (自然村): the village seat plus a Poisson number of hamlets around
  it; buildings are shared among them (the seat gets the most);
- **roads** with a hierarchy: expressway, national and provincial trunks crossing the
  county (cut into ≈ 1 km features); county, township and village roads along the
  Delaunay/minimum-spanning-tree links between settlements; a village/alley grid
  (50 m spacing) inside each settlement, sized so the county totals ≈ 30 km of road
  per 1,000 buildings;
- **railways**: one line, two from 50k buildings, cut into ≈ 2 km features;
- **buildings**: small rotated squares (8–14 m) scattered around each settlement
  centre; 90 % residential with 1–3 households;
- **lights** (0.2 per building): runs of lights 25–40 m apart along some
  village/alley streets, a few near the ends of township and village links; solar or
  grid, 92 % working;
- **garbage** (1 per 25 buildings): bins, some collection points and a few recycling
  points beside random buildings; a transfer station per township;
- **places**: the county seat and one town per township.

Everything is vectorised with numpy and shapely: 1M buildings generate in seconds.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

METRIC_EPSG = 32650  # WGS 84 / UTM zone 50N, metres
WGS84 = 4326
CENTRE_LON_LAT = (114.6, 30.5)
COUNTY_NAME = "示范县"
COUNTY_CODE = "421199"
BUILDINGS_PER_VILLAGE = 330
VILLAGE_SPACING_M = 2000.0
GRID_SPACING_M = 50.0
BOUNDARY_STEP_M = 15.0
LIGHTS_PER_BUILDING = 0.2
BUILDINGS_PER_BIN = 25
VILLAGES_PER_TOWNSHIP = (4, 5)  # township blocks of 4 × 5 village cells

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Geoms = NDArray[np.object_]

_SURNAMES = list("张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
_SUFFIXES = ["家湾", "家岗", "家畈", "家冲", "家垸", "家庄", "家河", "家坳", "家咀", "家塆",
             "桥", "店", "铺", "岭", "湖", "集", "楼", "营", "畈", "港"]
_PREFIXES = ["", "东", "西", "南", "北", "上", "下", "大", "小", "新"]


def _unique_names(rng: np.random.Generator, n: int, ending: str) -> list[str]:
    """``n`` distinct place names such as 东张家湾村 (numbered beyond 8,000)."""
    combos = len(_PREFIXES) * len(_SURNAMES) * len(_SUFFIXES)
    pick = rng.permutation(combos)[: min(n, combos)]
    p, rest = np.divmod(pick, len(_SURNAMES) * len(_SUFFIXES))
    s, x = np.divmod(rest, len(_SUFFIXES))
    names = [f"{_PREFIXES[a]}{_SURNAMES[b]}{_SUFFIXES[c]}{ending}" for a, b, c in zip(
        p, s, x, strict=True)]
    names += [f"{names[i % len(names)][:-1]}{i // len(names) + 1}{ending}"
              for i in range(len(names), n)]
    return names


def _rotate(u: NDArray[Any], v: NDArray[Any], angle: NDArray[Any]
            ) -> tuple[FloatArray, FloatArray]:
    """Rotate local (u, v) metres by ``angle`` radians (arrays broadcast)."""
    c, s = np.cos(angle), np.sin(angle)
    return (np.asarray(u * c - v * s, dtype=np.float64),
            np.asarray(u * s + v * c, dtype=np.float64))


def _village_seats(rng: np.random.Generator, n_villages: int
                   ) -> tuple[FloatArray, IntArray, float, float]:
    """Jittered-grid seats (m), their township index, and the county's width and height (m)."""
    gx = max(1, math.ceil(math.sqrt(n_villages * 1.25)))
    gy = max(1, math.ceil(n_villages / gx))
    cells_x, cells_y = np.meshgrid(np.arange(gx), np.arange(gy), indexing="ij")
    keep = np.sort(rng.permutation(gx * gy)[:n_villages])
    ix, iy = cells_x.ravel()[keep], cells_y.ravel()[keep]
    jitter = rng.uniform(-0.35, 0.35, (n_villages, 2))
    seats = (np.c_[ix, iy] + 0.5 + jitter) * VILLAGE_SPACING_M
    tx, ty = ix // VILLAGES_PER_TOWNSHIP[0], iy // VILLAGES_PER_TOWNSHIP[1]
    township = pd.factorize(tx * 10_000 + ty, sort=True)[0].astype(np.int64)
    return seats, township, gx * VILLAGE_SPACING_M, gy * VILLAGE_SPACING_M


def _village_polygons(rng: np.random.Generator, seats: FloatArray, county: Any) -> Geoms:
    """Village boundaries: Voronoi cells of the seats clipped to the county (seat order).

    Surveyed boundaries follow streams and field edges, with a vertex every few metres;
    the straight Voronoi edges get one every ``BOUNDARY_STEP_M`` and a smooth
    displacement field of the position (|∇| < 1, so cells stay valid, and vertices
    shared by neighbours move together: the villages still tile the county).
    """
    if len(seats) == 1:
        cells = np.array([county], dtype=object)
    else:
        cells = np.asarray(shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(
            shapely.multipoints(seats), extend_to=county, ordered=True)), county))
    amplitude = np.array([45.0, 20.0, 8.0])  # metres; Σ 2π·a/λ ≈ 0.75
    wavelength = np.array([900.0, 400.0, 150.0])
    angle, phase = (rng.uniform(0.0, 2 * np.pi, (2, 3)) for _ in range(2))

    def wiggle(xy: FloatArray) -> FloatArray:
        out = xy.copy()
        for axis in (0, 1):
            along = (xy[:, 0, None] * np.cos(angle[axis]) + xy[:, 1, None] * np.sin(angle[axis]))
            out[:, axis] += (amplitude * np.sin(2 * np.pi * along / wavelength
                                                + phase[axis])).sum(axis=1)
        return out

    return np.asarray(shapely.transform(shapely.segmentize(cells, BOUNDARY_STEP_M), wiggle))


def _settlements(rng: np.random.Generator, seats: FloatArray, width: float, height: float
                 ) -> tuple[FloatArray, IntArray, NDArray[np.bool_]]:
    """Settlement centres (m), their village, and whether each is the village seat."""
    n_v = len(seats)
    hamlets = np.minimum(rng.poisson(1.8, n_v), 5)
    village = np.r_[np.arange(n_v), np.repeat(np.arange(n_v), hamlets)].astype(np.int64)
    is_main = np.r_[np.ones(n_v, bool), np.zeros(int(hamlets.sum()), bool)]
    r = rng.uniform(0.3, 0.75, len(village)) * VILLAGE_SPACING_M
    a = rng.uniform(0, 2 * np.pi, len(village))
    offset = np.where(is_main[:, None], 0.0, np.c_[r * np.cos(a), r * np.sin(a)])
    centres = seats[village] + offset
    margin = 150.0
    centres[:, 0] = np.clip(centres[:, 0], margin, width - margin)
    centres[:, 1] = np.clip(centres[:, 1], margin, height - margin)
    return centres, village, is_main


def _grid_roads(rng: np.random.Generator, centres: FloatArray, half: FloatArray,
                orient: FloatArray) -> tuple[Geoms, NDArray[np.str_]]:
    """Village/alley street grids: the two streets through the centre are ``village``."""
    m = np.floor(half / GRID_SPACING_M).astype(np.int64)
    k = 2 * m + 1  # streets per direction
    per = 2 * k
    sett = np.repeat(np.arange(len(centres)), per)
    within = np.arange(len(sett)) - np.repeat(np.cumsum(per) - per, per)
    second = within >= k[sett]
    j = within - np.where(second, k[sett], 0) - m[sett]
    main = j == 0
    h = half[sett]
    n = len(sett)
    lo = np.where(main, -1.25, -rng.uniform(0.35, 1.0, n)) * h
    hi = np.where(main, 1.25, rng.uniform(0.35, 1.0, n)) * h
    along = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, 5)[None, :]
    across = (j * GRID_SPACING_M)[:, None] + rng.normal(0.0, 1.2, (n, 5))
    u = np.where(second[:, None], across, along)
    v = np.where(second[:, None], along, across)
    x, y = _rotate(u, v, orient[sett][:, None])
    coords = np.stack([x + centres[sett, 0, None], y + centres[sett, 1, None]], axis=-1)
    return shapely.linestrings(coords), np.where(main, "village", "alley")


def _meander(rng: np.random.Generator, a: FloatArray, b: FloatArray, n_vertices: int,
             wobble: float) -> FloatArray:
    """Vertices (n, n_vertices, 2) of gently curving lines from ``a`` to ``b`` (metres)."""
    t = np.linspace(0.0, 1.0, n_vertices)[None, :]
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])[:, None]
    normal = np.c_[-d[:, 1], d[:, 0]] / np.maximum(length, 1e-9)
    a1, a2 = (rng.normal(0.0, wobble, (len(a), 1)) * length for _ in range(2))
    off = a1 * np.sin(np.pi * t) + a2 * np.sin(2 * np.pi * t)
    return np.asarray(a[:, None, :] + t[..., None] * d[:, None, :]
                      + off[..., None] * normal[:, None, :], dtype=np.float64)


def _link_roads(rng: np.random.Generator, centres: FloatArray, village: IntArray,
                is_main: NDArray[np.bool_]) -> tuple[Geoms, NDArray[np.str_]]:
    """Roads between settlements: their Delaunay graph's minimum spanning tree + short links.

    Class: ``village`` within a village, ``county`` or ``township`` between village
    seats, ``township`` otherwise.
    """
    n = len(centres)
    if n < 2:
        return np.array([], dtype=object), np.array([], dtype=str)
    if n < 4:
        edges = np.c_[np.arange(n - 1), np.arange(1, n)]
    else:
        tri = Delaunay(centres).simplices
        edges = np.sort(tri[:, [[0, 1], [1, 2], [2, 0]]].reshape(-1, 2), axis=1)
        edges = np.unique(edges, axis=0)
    length = np.hypot(*(centres[edges[:, 1]] - centres[edges[:, 0]]).T)
    tree = minimum_spanning_tree(coo_matrix((length, (edges[:, 0], edges[:, 1])),
                                            shape=(n, n))).tocoo()
    tree_key = np.minimum(tree.row, tree.col) * n + np.maximum(tree.row, tree.col)
    in_tree = np.isin(edges[:, 0] * n + edges[:, 1], tree_key)
    typical = float(np.median(length[in_tree]))
    extra = ~in_tree & (length < 1.4 * typical) & (rng.random(len(edges)) < 0.3)
    edges, length = edges[in_tree | extra], length[in_tree | extra]
    a, b = centres[edges[:, 0]], centres[edges[:, 1]]
    geoms = shapely.linestrings(_meander(rng, a, b, 9, 0.06))
    same = village[edges[:, 0]] == village[edges[:, 1]]
    seats = is_main[edges[:, 0]] & is_main[edges[:, 1]]
    cls = np.where(same, "village",
                   np.where(seats & (rng.random(len(edges)) < 0.5), "county", "township"))
    return geoms, cls


def _long_lines(rng: np.random.Generator, n: int, width: float, height: float,
                chunk_m: float) -> tuple[Geoms, IntArray]:
    """``n`` meandering lines crossing the county, cut into ≈ ``chunk_m`` metre features.

    Returns the pieces inside the county rectangle and the line each belongs to.
    """
    step, per_chunk = 250.0, max(1, round(chunk_m / 250.0))
    span = 1.6 * math.hypot(width, height)
    n_chunks = math.ceil(span / (step * per_chunk))
    t = (np.arange(n_chunks * per_chunk + 1) * step - span / 2)[None, :]
    angle = np.where(np.arange(n) % 2 == 0, 0.0, np.pi / 2) + rng.normal(0.0, 0.3, n)
    through = np.c_[width, height] * (0.5 + rng.uniform(-0.35, 0.35, (n, 2)))
    amp, wave, phase = (rng.uniform(lo, hi, (n, 3, 1)) for lo, hi in
                        ((100.0, 500.0), (4000.0, 20000.0), (0.0, 2 * np.pi)))
    off = (amp * np.sin(2 * np.pi * t[:, None, :] / wave + phase)).sum(axis=1)
    x, y = _rotate(t, off, angle[:, None])
    xy = np.stack([x + through[:, 0, None], y + through[:, 1, None]], axis=-1)
    idx = np.arange(n_chunks)[:, None] * per_chunk + np.arange(per_chunk + 1)[None, :]
    pieces = shapely.linestrings(xy[:, idx].reshape(n * n_chunks, per_chunk + 1, 2))
    line = np.repeat(np.arange(n), n_chunks)
    county = shapely.box(0.0, 0.0, width, height)
    inside = shapely.intersection(pieces, county)
    parts, part_of = shapely.get_parts(inside, return_index=True)
    keep = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 1.0)
    return parts[keep], line[part_of[keep]].astype(np.int64)


def _points_along(rng: np.random.Generator, lines: Geoms, distance: FloatArray,
                  side_m: tuple[float, float]) -> Geoms:
    """Points at ``distance`` metres along ``lines``, set ``side_m`` metres to either side."""
    length = shapely.length(lines)
    d = np.clip(distance, 0.0, length)
    p = shapely.get_coordinates(shapely.line_interpolate_point(lines, d))
    q = shapely.get_coordinates(shapely.line_interpolate_point(lines, np.minimum(d + 1.0,
                                                                                 length)))
    r = shapely.get_coordinates(shapely.line_interpolate_point(lines, np.maximum(d - 1.0, 0.0)))
    tangent = q - r
    norm = np.maximum(np.hypot(tangent[:, 0], tangent[:, 1]), 1e-9)
    side = rng.uniform(*side_m, len(lines)) * rng.choice([-1.0, 1.0], len(lines))
    xy = p + (np.c_[-tangent[:, 1], tangent[:, 0]] / norm[:, None]) * side[:, None]
    return np.asarray(shapely.points(xy), dtype=object)


def _lights(rng: np.random.Generator, n_lights: int, grid: Geoms, links: Geoms) -> Geoms:
    """Runs of lights 25–40 m apart along some grid streets; 15 % near link-road ends."""
    n_link = round(0.15 * n_lights) if len(links) else 0
    n_grid = n_lights - n_link
    length = shapely.length(grid)
    spacing = rng.uniform(25.0, 40.0, len(grid))
    per_line = np.maximum(np.floor(length / spacing), 1).astype(np.int64)
    order = rng.permutation(len(grid))
    take = order[: int(np.searchsorted(np.cumsum(per_line[order]), n_grid)) + 1]
    rep = np.repeat(take, per_line[take])
    j = np.arange(len(rep)) - np.repeat(np.cumsum(per_line[take]) - per_line[take],
                                        per_line[take])
    start = rng.uniform(0.0, 1.0, len(grid)) * spacing
    dist = start[rep] + j * spacing[rep] + rng.normal(0.0, 3.0, len(rep))
    points = _points_along(rng, grid[rep], dist, (1.0, 3.0))[:n_grid]
    if len(points) < n_grid:  # more lights than the streets hold in runs: scatter the rest
        extra = rng.integers(0, len(grid), n_grid - len(points))
        points = np.r_[points, _points_along(
            rng, grid[extra], rng.uniform(0.0, 1.0, len(extra)) * length[extra], (1.0, 3.0))]
    if n_link:
        which = rng.integers(0, len(links), n_link)
        link_len = shapely.length(links[which])
        near_end = rng.uniform(0.0, 250.0, n_link)
        dist = np.where(rng.random(n_link) < 0.5, near_end, link_len - near_end)
        points = np.r_[points, _points_along(rng, links[which], dist, (1.0, 3.0))]
    return np.asarray(points, dtype=object)


def _buildings(rng: np.random.Generator, centres: FloatArray, counts: IntArray,
               half: FloatArray, orient: FloatArray) -> tuple[Geoms, FloatArray]:
    """Square footprints (8–14 m) around settlement centres; also their centres (m)."""
    sett = np.repeat(np.arange(len(centres)), counts)
    n = len(sett)
    h = half[sett]
    u = np.clip(rng.normal(0.0, 0.45, n), -1.0, 1.0) * h
    v = np.clip(rng.normal(0.0, 0.45, n), -1.0, 1.0) * h
    theta = orient[sett]
    cx, cy = _rotate(u, v, theta)
    cx, cy = cx + centres[sett, 0], cy + centres[sett, 1]
    side = rng.uniform(8.0, 14.0, n)[:, None] / 2
    corner_u = np.array([-1.0, 1.0, 1.0, -1.0, -1.0])[None, :] * side
    corner_v = np.array([-1.0, -1.0, 1.0, 1.0, -1.0])[None, :] * side
    spin = (theta + rng.normal(0.0, 0.05, n))[:, None]
    du, dv = _rotate(corner_u, corner_v, spin)
    shells = np.stack([du + cx[:, None], dv + cy[:, None]], axis=-1)
    return shapely.polygons(shells), np.c_[cx, cy]


def _frame(data: dict[str, Any], geoms: Geoms, shift: FloatArray, to_wgs84: Transformer
           ) -> gpd.GeoDataFrame:
    """A frame in EPSG:4326 from local metres (``shift`` moves them into EPSG:32650)."""
    def move(xy: FloatArray) -> FloatArray:
        lon, lat = to_wgs84.transform(xy[:, 0] + shift[0], xy[:, 1] + shift[1])
        return np.asarray(np.c_[lon, lat], dtype=np.float64)

    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=shapely.transform(geoms, move),
                            crs=WGS84)


def make_county(n_buildings: int, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """Generate a synthetic county with ``n_buildings`` buildings.

    Parameters
    ----------
    n_buildings
        Number of buildings (≥ 1); villages, roads, lights and bins scale with it
        (≈ 1 village per 330 buildings, 30 m of road, 0.2 lights and 0.04 garbage
        points per building).
    seed
        Seed of the random generator: the same seed gives the same county.

    Returns
    -------
    dict[str, geopandas.GeoDataFrame]
        Raw frames by canonical layer name (``villages``, ``roads``, ``railways``,
        ``lights``, ``garbage``, ``buildings``, ``places``) with canonical column names,
        geometry in EPSG:4326 (longitude, latitude degrees); built in EPSG:32650 metres.
    """
    if n_buildings < 1:
        raise ValueError("a county needs at least one building")
    rng = np.random.default_rng(seed)
    n_villages = max(1, round(n_buildings / BUILDINGS_PER_VILLAGE))
    seats, township, width, height = _village_seats(rng, n_villages)
    county = shapely.box(0.0, 0.0, width, height)
    to_utm = Transformer.from_crs(WGS84, METRIC_EPSG, always_xy=True)
    x0, y0 = to_utm.transform(*CENTRE_LON_LAT)
    shift = np.array([x0 - width / 2, y0 - height / 2])

    # settlements and their buildings
    centres, village, is_main = _settlements(rng, seats, width, height)
    weight = np.where(is_main, 2.5, rng.lognormal(0.0, 0.5, len(village)))
    weight *= rng.lognormal(0.0, 0.3, n_villages)[village]
    counts = rng.multinomial(n_buildings, weight / weight.sum()).astype(np.int64)
    populated = counts > 0
    centres, village, is_main, counts = (centres[populated], village[populated],
                                         is_main[populated], counts[populated])
    half = np.maximum(12.5 * np.sqrt(counts), 40.0)
    orient = rng.uniform(0.0, np.pi / 2, len(centres))
    b_geoms, b_xy = _buildings(rng, centres, counts, half, orient)
    b_xy[:, 0] = np.clip(b_xy[:, 0], 1.0, width - 1.0)
    b_xy[:, 1] = np.clip(b_xy[:, 1], 1.0, height - 1.0)
    b_class = rng.choice(["residential", "public", "commercial", "agricultural"],
                         n_buildings, p=[0.9, 0.02, 0.03, 0.05])
    households = np.where(b_class == "residential",
                          rng.choice([1, 2, 3], n_buildings, p=[0.55, 0.3, 0.15]), 0)

    # roads: trunks, links between settlements, street grids
    n_trunks = max(3, round((width + height) / 2 / 6000.0))
    trunk_no = np.arange(n_trunks)
    trunk_cls = np.where(trunk_no % 7 == 0, "expressway",
                         np.where(trunk_no % 3 == 1, "national", "provincial"))
    trunks, trunk_of = _long_lines(rng, n_trunks, width, height, 1000.0)
    trunk_names = np.array([
        {"expressway": f"G{42 + 10 * k}高速", "national": f"G{105 + 11 * k}国道",
         "provincial": f"S{201 + 7 * k}省道"}[c] for k, c in enumerate(trunk_cls)])
    links, link_cls = _link_roads(rng, centres, village, is_main)
    grid, grid_cls = _grid_roads(rng, centres, half, orient)
    roads = np.r_[trunks, links, grid]
    r_cls = np.r_[trunk_cls[trunk_of], link_cls, grid_cls]
    link_names = np.array([f"{'X' if c == 'county' else 'Y'}{100 + i % 900:03d}"
                           if c in ("county", "township") else None
                           for i, c in enumerate(link_cls)], dtype=object)
    r_names = np.r_[trunk_names[trunk_of], link_names, np.full(len(grid), None)]
    by_class = pd.Series(r_cls)
    hardened = rng.random(len(roads)) < by_class.map({
        "expressway": 1.0, "national": 1.0, "provincial": 1.0, "county": 0.95,
        "township": 0.9, "village": 0.75, "alley": 0.45}).to_numpy(dtype=float)
    r_width = by_class.map({
        "expressway": 26.0, "national": 12.0, "provincial": 9.0, "county": 7.0,
        "township": 6.0, "village": 4.5, "alley": 3.0}).to_numpy(dtype=float)

    rails, rail_of = _long_lines(rng, 1 if n_buildings < 50_000 else 2, width, height, 2000.0)
    rail_names = np.array(["京九铁路", "武九铁路"])[rail_of]

    lights = _lights(rng, round(LIGHTS_PER_BUILDING * n_buildings), grid,
                     links[link_cls != "county"])
    n_bins = max(1, round(n_buildings / BUILDINGS_PER_BIN))
    host = rng.choice(n_buildings, n_bins, replace=n_bins > n_buildings)
    r = rng.uniform(4.0, 12.0, n_bins)
    a = rng.uniform(0.0, 2 * np.pi, n_bins)
    bins = b_xy[host] + np.c_[r * np.cos(a), r * np.sin(a)]
    n_town = int(township.max()) + 1
    town_seat = pd.Series(np.arange(n_villages)).groupby(township).first().to_numpy()
    stations = seats[town_seat] + rng.uniform(150.0, 300.0, (n_town, 2))
    g_cls = np.r_[rng.choice(["bin", "collection_point", "recycling"], n_bins,
                             p=[0.86, 0.11, 0.03]), np.full(n_town, "transfer_station")]

    # villages, townships, places
    v_geoms = _village_polygons(rng, seats, county)
    v_names = _unique_names(rng, n_villages, "村")
    t_names = _unique_names(np.random.default_rng(seed + 1), n_town, "镇")
    sett_of_building = np.repeat(np.arange(len(centres)), counts)
    v_households = np.bincount(village[sett_of_building], weights=households,
                               minlength=n_villages)
    rank = pd.Series(np.arange(n_villages)).groupby(township).cumcount().to_numpy()
    seat_dist = np.hypot(*(seats - np.array([width / 2, height / 2])).T)
    county_seat = int(np.argmin(seat_dist))

    to_wgs84 = Transformer.from_crs(METRIC_EPSG, WGS84, always_xy=True)

    def wgs(data: dict[str, Any], geoms: Geoms) -> gpd.GeoDataFrame:
        return _frame(data, geoms, shift, to_wgs84)

    status = "existing"
    return {
        "villages": wgs({
            "name": v_names, "status": status,
            "code": [f"{COUNTY_CODE}{t + 1:03d}{k + 1:03d}" for t, k in zip(
                township, rank, strict=True)],
            "township": np.array(t_names)[township], "county": COUNTY_NAME,
            "population": np.round(v_households * rng.uniform(2.9, 3.6, n_villages)).astype(
                np.int64),
            "households": v_households.astype(np.int64),
            "farmland_mu": np.round(shapely.area(v_geoms) / 666.67 * rng.uniform(
                0.3, 0.6, n_villages), 1),
            "boundary_source": "official",
        }, v_geoms),
        "roads": wgs({"name": r_names, "class": r_cls, "status": status,
                      "surface": np.where(hardened, "hardened", "unhardened"),
                      "width_m": r_width}, roads),
        "railways": wgs({"name": rail_names, "class": "rail", "status": status}, rails),
        "lights": wgs({"class": rng.choice(["solar", "grid"], len(lights), p=[0.65, 0.35]),
                       "status": status, "working": rng.random(len(lights)) < 0.92}, lights),
        "garbage": wgs({"class": g_cls, "status": status},
                       shapely.points(np.r_[bins, stations])),
        "buildings": wgs({"class": b_class, "status": status,
                          "households": pd.Series(households, dtype="Int64").mask(
                              b_class != "residential")}, b_geoms),
        "places": wgs({"name": [COUNTY_NAME, *t_names],
                       "class": ["county_seat", *["town"] * n_town], "status": status},
                      shapely.points(np.r_[seats[[county_seat]], seats[town_seat]])),
    }
