"""Line-of-sight viewshed on terrains whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from rasterio.transform import from_origin

from gis.terrain import Terrain, read_terrain, viewshed
from tests.conftest import DATA


def _plane(rows: int = 61, cols: int = 61, cell: float = 10.0) -> Terrain:
    return Terrain(np.zeros((rows, cols)), from_origin(0, rows * cell, cell, cell), "EPSG:32650")


def test_flat_plane_is_visible_within_range() -> None:
    t = _plane()
    seen = viewshed(t, (305.0, 305.0), max_distance=200, curvature=0)
    rows, cols = np.mgrid[0:61, 0:61]
    cx, cy = t.transform * (cols + 0.5, rows + 0.5)
    dist = np.hypot(np.asarray(cx) - 305, np.asarray(cy) - 305)
    assert seen[dist <= 200].all()
    assert not seen[dist > 200].any()


def test_wall_hides_what_lies_behind_it() -> None:
    t = _plane()
    t.elevation[:, 40] = 50.0  # a 50 m wall running north–south, 95 m east of the eye
    seen = viewshed(t, (305.0, 305.0), max_distance=280, curvature=0)
    assert seen[30, 35]  # in front of the wall
    assert seen[30, 40]  # the wall itself
    assert not seen[30, 45:].any()  # the ground behind it, at the eye's row


def test_real_terrain_sees_part_of_its_surroundings() -> None:
    t = read_terrain(str(DATA / "dem" / "lauf_srtm3.tif"), "EPSG:32632")
    rows, cols = t.elevation.shape
    x, y = t.transform * (cols / 2, rows / 2)
    seen = viewshed(t, (x, y), max_distance=2000)
    assert seen.sum() > 10  # the observer's surroundings, at least
    assert 0.0 < seen.mean() < 1.0


def test_agrees_with_a_dense_brute_force_line_of_sight() -> None:
    """An independent reference: the sight line sampled every 1/20 cell, bilinear."""
    from scipy.ndimage import map_coordinates

    from gis.params import VISIBLE_LIGHT_CC
    from gis.terrain import EARTH_RADIUS_M

    t = read_terrain(str(DATA / "dem" / "north-bayreuth_srtm3.tif"), "EPSG:32632")
    r, c = 120, 150
    x, y = t.transform * (c + 0.5, r + 0.5)
    seen = viewshed(t, (x, y), max_distance=3000)
    eye = t.elevation[r, c] + 1.7
    k = 2 * EARTH_RADIUS_M / VISIBLE_LIGHT_CC
    rng = np.random.default_rng(7)
    rows, cols = np.nonzero(np.hypot(*np.mgrid[0:t.elevation.shape[0], 0:t.elevation.shape[1]]
                                     - np.array([r, c])[:, None, None]) * t.cell <= 3000)
    pick = rng.choice(len(rows), 400, replace=False)
    agree = 0
    for a, b in zip(rows[pick], cols[pick], strict=True):
        n = int(np.hypot(a - r, b - c) * 20) + 2
        s = np.linspace(0.0, 1.0, n)[1:-1]
        d = np.hypot(a - r, b - c) * t.cell
        ground = map_coordinates(t.elevation, [r + (a - r) * s, c + (b - c) * s], order=1)
        ground = ground - (s * d) ** 2 / k
        sight = eye + (t.elevation[a, b] - d * d / k - eye) * s
        near_target = s * d >= d - t.cell / 2  # the target's own cell
        visible = not np.any((ground > sight + 1e-9) & ~near_target)
        agree += visible == bool(seen[a, b])
    print("agreement with the dense reference:", agree / 400)
    assert agree / 400 >= 0.98


def test_sample_is_nan_off_the_terrain_and_voids_do_not_spread() -> None:
    t = Terrain(np.array([[1.0, 2.0, np.nan], [4.0, 5.0, 6.0]]), from_origin(0, 20, 10, 10),
                "EPSG:32650")
    got = t.sample(np.array([[15.0, 15.0], [25.0, 15.0], [35.0, 15.0], [-20.0, 5.0],
                             [10.0, 10.0]]))
    assert got[0] == 2.0  # a cell centre beside a void keeps its own value
    assert np.isnan(got[1])  # in the void
    assert np.isnan(got[2])  # off the grid
    assert np.isnan(got[3])
    assert got[4] == pytest.approx(3.0)  # between four known centres
    # a ridge next to a void still hides what lies behind it
    z = np.zeros((41, 41))
    z[:, 25] = 50.0
    z[10, 26] = np.nan
    ridge = Terrain(z, from_origin(0, 410, 10, 10), "EPSG:32650")
    seen = viewshed(ridge, (205.0, 305.0), max_distance=400, curvature=0)
    assert not seen[10, 30:].any()
