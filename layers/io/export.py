"""Write a layer of the store to a file that re-imports to the same features."""

from __future__ import annotations

from pathlib import Path

import pyogrio
from sqlalchemy import Engine

from layers.errors import UnreadableFile, VgisError
from layers.store import attrs_to_text, check_area, read_layer

_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile"}


def export_layer(engine: Engine, layer: str, path: Path, area: str | None = None
                 ) -> tuple[int, list[str]]:
    """Export ``layer`` (of one area, or all) to GeoPackage, GeoJSON or Shapefile (EPSG:4326).

    Canonical fields are written under their names (cut to 10 characters in a
    Shapefile, which the importer recognises), the remaining attributes as JSON
    text in ``attrs``, text in UTF-8. Returns the number of features written and notes
    for the planner (e.g. attributes cut by the Shapefile format).
    """
    driver = _DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise VgisError(f"{path.name}: export writes .gpkg, .geojson or .shp")
    if area is not None:
        check_area(engine, area)
    frame = attrs_to_text(read_layer(engine, layer, area=area))
    # store columns travel as vgis_* so a re-import does not mistake them for source attributes
    frame = frame.drop(columns=["id"]).rename(columns={"area": "vgis_area", "source": "vgis_src"})
    if path.exists():
        if driver == "ESRI Shapefile":
            for sidecar in path.parent.glob(path.stem + ".*"):
                sidecar.unlink()
        else:
            path.unlink()
    notes: list[str] = []
    if driver == "ESRI Shapefile":
        long_attrs = int((frame["attrs"].str.len() > 254).sum())
        if long_attrs:
            notes.append(f"{long_attrs} feature(s) have more source attributes than a Shapefile "
                         "field holds (254 characters): attrs cut; export to .gpkg to keep them")
    try:
        pyogrio.write_dataframe(
            frame, path, driver=driver, layer=layer if driver == "GPKG" else None,
            encoding="UTF-8" if driver == "ESRI Shapefile" else None,
        )
    except pyogrio.errors.DataSourceError as exc:
        raise UnreadableFile(f"{path}: cannot write ({exc})") from exc
    return len(frame), notes
