"""Planners' files into the store: formats, CRSs, encodings, field and value maps, bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from sqlalchemy import Engine, text

from layers.errors import ImportRejected, UnreadableFile, UnsupportedCRS
from layers.io.export import export_layer
from layers.io.loader import load_file
from layers.store import layer_counts, read_layer
from tests.conftest import CONFORMANCE, run_vgis

GK_114 = 4547  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
TO_GK = Transformer.from_crs(4326, GK_114, always_xy=True)


def _village_roads() -> gpd.GeoDataFrame:
    """A small village road layer in Hubei, with the words a county office file would use."""
    lon0, lat0 = 114.02, 30.51
    lines = [
        LineString([(lon0 + i * 0.001, lat0), (lon0 + i * 0.001, lat0 + 0.002)]) for i in range(4)
    ]
    frame = gpd.GeoDataFrame(
        {"名称": ["南小河路", "村委会路", "东头巷", "机耕路一"],
         "等级": ["村道", "縣道", "巷道", "機耕路"],
         "路面": ["水泥", "沥青", "土路", "碎石"]},
        geometry=lines, crs=4326,
    )
    return frame.to_crs(GK_114)


def _zip_shapefile(frame: gpd.GeoDataFrame, folder: Path, name: str, *, encoding: str,
                   cpg: bool = True, prj: bool = True) -> Path:
    shp = folder / f"{name}.shp"
    pyogrio.write_dataframe(frame, shp, encoding=encoding)
    if not cpg:
        shp.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        shp.with_suffix(".prj").unlink()
    archive = folder / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.glob(f"{name}.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    return archive


def _roads(engine: Engine, area: str) -> gpd.GeoDataFrame:
    return read_layer(engine, "roads", area=area).sort_values("source_id").reset_index(drop=True)


def test_gbk_shapefile_in_gauss_kruger(engine: Engine, tmp_path: Path) -> None:
    source = _village_roads()
    archive = _zip_shapefile(source, tmp_path, "道路", encoding="GBK")
    report = load_file(engine, archive, "roads", "hubei-gk")
    assert report.layer_counts == {"roads": 4}
    roads = _roads(engine, "hubei-gk")
    assert list(roads["name"]) == ["南小河路", "村委会路", "东头巷", "机耕路一"]
    assert list(roads["class"]) == ["village", "county", "alley", "track"]
    assert list(roads["surface"]) == ["hardened", "hardened", "unhardened", "unhardened"]
    assert roads["attrs"][0] == {}  # every source field was mapped onto the schema
    # coordinates: back to GK they are the source coordinates to the millimetre
    x, y = TO_GK.transform(*shapely.get_coordinates(roads.geometry.values).T)
    assert np.allclose(np.column_stack([x, y]), shapely.get_coordinates(source.geometry.values),
                       atol=1e-3)


def test_gbk_without_cpg_needs_encoding(engine: Engine, tmp_path: Path) -> None:
    archive = _zip_shapefile(_village_roads(), tmp_path, "roads_nocpg", encoding="GBK", cpg=False)
    load_file(engine, archive, "roads", "hubei-nocpg", encoding="GBK")
    assert _roads(engine, "hubei-nocpg")["name"].iloc[0] == "南小河路"


def test_missing_crs_is_refused_then_given(engine: Engine, tmp_path: Path) -> None:
    archive = _zip_shapefile(_village_roads(), tmp_path, "noprj", encoding="UTF-8", prj=False)
    before = layer_counts(engine)
    with pytest.raises(UnsupportedCRS, match=r"noprj\.zip.*--crs"):
        load_file(engine, archive, "roads", "hubei-noprj")
    assert layer_counts(engine) == before
    load_file(engine, archive, "roads", "hubei-noprj", crs=f"EPSG:{GK_114}")
    roads = _roads(engine, "hubei-noprj")
    assert roads.total_bounds == pytest.approx([114.02, 30.51, 114.023, 30.512], abs=1e-6)


def test_geojson_with_canonical_fields(engine: Engine, tmp_path: Path) -> None:
    bins = gpd.GeoDataFrame(
        {"name": ["村口", "广场", "学校旁"], "class": ["垃圾桶", "垃圾收集點", "transfer_station"],
         "status": ["现状", "规划", None]},
        geometry=[Point(114.02, 30.51), Point(114.021, 30.511), Point(114.022, 30.512)], crs=4326)
    path = tmp_path / "bins.geojson"
    bins.to_file(path, driver="GeoJSON")
    load_file(engine, path, "garbage", "hubei-json")
    stored = read_layer(engine, "garbage", area="hubei-json")
    assert list(stored["class"]) == ["bin", "collection_point", "transfer_station"]
    assert list(stored["status"]) == ["existing", "planned", "existing"]


def test_conformance_geopackage(engine: Engine) -> None:
    path = CONFORMANCE / "roads.gpkg"
    original = gpd.read_file(path)
    load_file(engine, path, "roads", "conformance")
    stored = read_layer(engine, "roads", area="conformance")
    assert len(stored) == len(original) == 2703
    by_class = stored.to_crs(32632).length.groupby(stored["class"]).sum()
    expected = original.to_crs(32632).length.groupby(original["class"]).sum()
    assert by_class.to_dict() == pytest.approx(expected.to_dict(), rel=1e-9)


def test_projected_geopackage_with_field_map(engine: Engine, tmp_path: Path) -> None:
    lamps = gpd.GeoDataFrame(
        {"编号": ["L1", "L2", "L3"], "灯型": ["太阳能路灯", "市电路灯", "太陽能路燈"],
         "状况": ["完好", "损坏", "是"]},
        geometry=[Point(650000, 5490000), Point(650030, 5490000), Point(650060, 5490000)],
        crs=32632)
    path = tmp_path / "lamps.gpkg"
    lamps.to_file(path, layer="lamps")
    load_file(engine, path, "lights", "utm-lamps", field_map={"class": "灯型", "working": "状况"})
    stored = read_layer(engine, "lights", area="utm-lamps")
    assert list(stored["class"]) == ["solar", "grid", "solar"]
    assert list(stored["working"]) == [True, False, True]
    assert list(stored["source_id"]) == ["L1", "L2", "L3"]
    back = stored.to_crs(32632).geometry
    assert back.x.to_list() == pytest.approx([650000, 650030, 650060], abs=1e-3)


def test_values_file(engine: Engine, tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"kind": ["组道", "村道"]},
                             geometry=[LineString([(114, 30), (114.001, 30)]),
                                       LineString([(114, 30.001), (114.001, 30.001)])], crs=4326)
    path = tmp_path / "own-words.geojson"
    frame.to_file(path)
    values = tmp_path / "values.yaml"
    values.write_text("class:\n  组道: alley\n", encoding="utf-8")
    load_file(engine, path, "roads", "own-words", field_map={"class": "kind"}, values_file=values)
    assert list(read_layer(engine, "roads", area="own-words")["class"]) == ["alley", "village"]


def test_csv_with_gcj02_coordinates(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "垃圾点.csv"
    # WGS84 (116.404, 39.915) is GCJ-02 (116.41024449916938, 39.91640428150164), published pair
    path.write_text("名称,类型,经度,纬度\n天安门东,垃圾桶,116.41024449916938,39.91640428150164\n",
                    encoding="utf-8")
    load_file(engine, path, "garbage", "beijing", coords="gcj02")
    point = read_layer(engine, "garbage", area="beijing").geometry.iloc[0]
    assert (point.x, point.y) == pytest.approx((116.404, 39.915), abs=1e-8)


def test_kml_and_dxf(engine: Engine, tmp_path: Path) -> None:
    toilets = gpd.GeoDataFrame({"Name": ["公厕一", "公厕二"], "Description": ["公厕", "公厕"]},
                               geometry=[Point(114.02, 30.51), Point(114.03, 30.52)], crs=4326)
    kml = tmp_path / "toilets.kml"
    pyogrio.write_dataframe(toilets, kml, driver="KML")
    load_file(engine, kml, "facilities", "kml", field_map={"class": "Description"})
    stored = read_layer(engine, "facilities", area="kml")
    assert list(stored["name"]) == ["公厕一", "公厕二"]
    assert set(stored["class"]) == {"toilet"}

    drawing = gpd.GeoDataFrame(
        {"Layer": ["村道", "巷道"]},
        geometry=[LineString([(500000, 3376000), (500100, 3376000)]),
                  LineString([(500000, 3376050), (500000, 3376150)])], crs=GK_114)
    dxf = tmp_path / "plan.dxf"
    pyogrio.write_dataframe(drawing, dxf, driver="DXF")
    # GDAL writes UTF-8 text under a code-page-1252 header: the encoding must be said
    load_file(engine, dxf, "roads", "dxf", crs=f"EPSG:{GK_114}", encoding="UTF-8",
              field_map={"class": "cad_layer"})
    roads = read_layer(engine, "roads", area="dxf")
    assert sorted(roads["class"]) == ["alley", "village"]
    assert roads.to_crs(GK_114).length.sum() == pytest.approx(200, abs=1e-3)


def _bins_with(bad: dict[str, object], tmp_path: Path, name: str = "bins.geojson") -> Path:
    rows = [{"class": "垃圾桶", "households": "1"} for _ in range(5)]
    geoms: list[object] = [Point(114 + i * 1e-3, 30) for i in range(5)]
    rows[3].update({k: v for k, v in bad.items() if k != "geometry"})
    if "geometry" in bad:
        geoms[3] = bad["geometry"]
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)
    path = tmp_path / name
    frame.to_file(path)
    return path


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"class": "高架桥"}, "class", "unknown value '高架桥'"),
        ({"geometry": Polygon([(114, 30), (114.001, 30), (114, 30.001)])}, "geometry",
         "Polygon is not allowed in garbage"),
        ({"geometry": Point(1140000, 30)}, "geometry", "outside longitude/latitude"),
    ],
)
def test_one_bad_feature_writes_nothing(engine: Engine, tmp_path: Path, bad: dict[str, object],
                                        field: str, words: str) -> None:
    path = _bins_with(bad, tmp_path)
    before = layer_counts(engine)
    with pytest.raises(ImportRejected) as info:
        load_file(engine, path, "garbage", "bad-bins")
    assert [(p.file, p.feature, p.field) for p in info.value.problems] == [
        ("bins.geojson", "#3", field)]
    assert words in info.value.problems[0].message
    assert layer_counts(engine) == before


def test_bad_number_names_field(engine: Engine, tmp_path: Path) -> None:
    houses = gpd.GeoDataFrame(
        {"class": ["住宅", "住宅"], "households": ["2", "两户"]},
        geometry=[Point(114, 30), Point(114.001, 30)], crs=4326)
    path = tmp_path / "houses.geojson"
    houses.to_file(path)
    with pytest.raises(ImportRejected,
                       match=r"houses\.geojson: feature #1: households: not a number"):
        load_file(engine, path, "buildings", "bad-houses")


def test_rejected_reload_keeps_earlier_load(engine: Engine, tmp_path: Path) -> None:
    good = _bins_with({}, tmp_path, "same.geojson")
    load_file(engine, good, "garbage", "keep")
    assert len(read_layer(engine, "garbage", area="keep")) == 5
    bad = _bins_with({"class": "???"}, tmp_path, "same.geojson")
    with pytest.raises(ImportRejected):
        load_file(engine, bad, "garbage", "keep")
    assert len(read_layer(engine, "garbage", area="keep")) == 5


def test_repairs_are_counted_and_unrepairable_rejected(engine: Engine, tmp_path: Path) -> None:
    bowtie = Polygon([(114, 30), (114.001, 30.001), (114.001, 30), (114, 30.001), (114, 30)])
    square = shapely.box(114.002, 30, 114.003, 30.001)
    path = tmp_path / "houses.geojson"
    gpd.GeoDataFrame({"class": ["住宅", "住宅"]}, geometry=[bowtie, square], crs=4326).to_file(path)
    report = load_file(engine, path, "buildings", "repairs")
    assert report.repaired == 1
    stored = read_layer(engine, "buildings", area="repairs")
    assert stored.is_valid.all()
    assert stored.to_crs(32650).area.iloc[0] > 0

    # a footprint with no area: a building is kept as its centroid, a village is refused
    flat = Polygon([(114, 30), (114.5, 30.5), (115, 31), (114, 30)])
    gpd.GeoDataFrame({"class": ["住宅"]}, geometry=[flat], crs=4326).to_file(path)
    report = load_file(engine, path, "buildings", "collapsed")
    assert (report.repaired, report.collapsed_to_point) == (1, 1)
    point = read_layer(engine, "buildings", area="collapsed").geometry.iloc[0]
    assert point.geom_type == "Point"
    assert (point.x, point.y) == pytest.approx((114.5, 30.5), abs=1e-9)
    gpd.GeoDataFrame({"name": ["线村"]}, geometry=[flat], crs=4326).to_file(path)
    with pytest.raises(ImportRejected, match="cannot be repaired safely"):
        load_file(engine, path, "villages", "collapsed")


def test_unreadable_files(engine: Engine, tmp_path: Path) -> None:
    empty = tmp_path / "empty.gpkg"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFile, match=r"empty\.gpkg: the file is empty"):
        load_file(engine, empty, "roads", "broken")
    source = tmp_path / "whole.gpkg"
    _village_roads().to_file(source)
    cut = tmp_path / "cut.gpkg"
    cut.write_bytes(source.read_bytes()[:3000])
    with pytest.raises(UnreadableFile, match=r"cut\.gpkg"):
        load_file(engine, cut, "roads", "broken")
    no_features = tmp_path / "none.geojson"
    no_features.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(ImportRejected, match="no features"):
        load_file(engine, no_features, "roads", "broken")


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_export_reimports_to_same_features(samples: Engine, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"roads{suffix}"
    n, notes = export_layer(samples, "roads", out, "lauf")
    assert bool(notes) == (suffix == ".shp")  # OSM tags overflow a Shapefile text field
    area = f"reimport{suffix.replace('.', '-')}"
    load_file(samples, out, "roads", area)
    a = read_layer(samples, "roads", area="lauf")
    b = read_layer(samples, "roads", area=area)
    assert len(b) == n == len(a)
    keys = ["source_id", "name", "class", "surface", "width_m", "status"]
    a = a.sort_values("source_id").reset_index(drop=True)
    b = b.sort_values("source_id").reset_index(drop=True)
    assert a[keys].astype(str).equals(b[keys].astype(str))
    assert shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=1e-9).all()
    if suffix != ".shp":  # Shapefile text fields stop at 254 characters
        assert a["attrs"].tolist() == b["attrs"].tolist()


def test_cli_load_file_reports_and_fails_cleanly(engine: Engine, tmp_path: Path) -> None:
    good = _bins_with({}, tmp_path, "cli-bins.geojson")
    proc = run_vgis("load", "file", str(good), "--layer", "garbage", "--area", "cli", "--json")
    assert json.loads(proc.stdout)["features"] == {"garbage": 5}
    bad = _bins_with({"class": "高架桥"}, tmp_path, "cli-bad.geojson")
    proc = run_vgis("load", "file", str(bad), "--layer", "garbage", "--area", "cli", check=False)
    assert proc.returncode == 2
    assert "cli-bad.geojson: feature #3: class: unknown value '高架桥'" in proc.stderr
    assert "nothing was written" in proc.stderr
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM garbage WHERE area = 'cli'")).scalar_one()
    assert n == 5


def test_numbers_and_yes_no_edge_cases(engine: Engine, tmp_path: Path) -> None:
    lamps = gpd.GeoDataFrame({"class": ["solar", "solar"], "working": [1.0, 0.0]},
                             geometry=[Point(114, 30), Point(114.001, 30)], crs=4326)
    path = tmp_path / "lamps.gpkg"
    lamps.to_file(path)
    load_file(engine, path, "lights", "yes-no")
    assert list(read_layer(engine, "lights", area="yes-no")["working"]) == [True, False]
    houses = gpd.GeoDataFrame({"class": ["住宅"], "households": ["inf"]},
                              geometry=[Point(114, 30)], crs=4326)
    houses.to_file(tmp_path / "inf.geojson")
    with pytest.raises(ImportRejected, match="households: not a finite number"):
        load_file(engine, tmp_path / "inf.geojson", "buildings", "yes-no")
    bins = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(114, 30)], crs=4326)
    bins.to_file(tmp_path / "noclass.geojson")
    with pytest.raises(ImportRejected, match="no column gives the class"):
        load_file(engine, tmp_path / "noclass.geojson", "garbage", "yes-no")
