"""OSM-style columns in generic files (``highway``, ``building``, ``amenity``, ``fclass`` …).

A GeoPackage or Shapefile made from OpenStreetMap (exported with QGIS or ogr2ogr, or a
Geofabrik download) carries OSM's own keys as columns. When no ``--field class=…`` is
given and no column already names the class, the layer's OSM key is mapped through the
same value table as the ``.pbf`` importer (:data:`layers.io.osm.TAG_TABLE`):

========== =======================================================
layer      columns looked at, in order
========== =======================================================
roads      ``highway``, ``fclass`` (and ``surface`` for the surface)
railways   ``railway``, ``fclass``
drainage   ``waterway``, ``fclass``
lights     ``highway`` (``street_lamp``), ``fclass``
garbage    ``amenity``, ``fclass``
facilities ``amenity``, ``place``, ``fclass``
zones      ``boundary``, ``leisure``, ``tourism``, ``fclass``
places     ``place``, ``fclass``
buildings  ``building`` (its value, as in a .pbf), Geofabrik's ``type``
========== =======================================================

Geofabrik's ``fclass`` holds the OSM value (``residential``, ``waste_basket``; tracks as
``track_grade1`` …). Files written by GDAL's OSM driver (``ogr2ogr`` or QGIS opening a
``.pbf``) keep the keys without a column of their own in ``other_tags``
(``"amenity"=>"waste_basket","surface"=>"asphalt"``); a key looked for is read from there
when no column has it. Values the table does not know are passed on, so the value maps and
``--values`` still apply. The import report says which column gave which field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from layers.io.valuemaps import FIELD_ALIASES, normalize_word
from layers.report import ImportReport
from layers.schema import LayerSpec

OSM_KEYS: dict[str, tuple[str, ...]] = {
    "roads": ("highway", "fclass"), "railways": ("railway", "fclass"),
    "drainage": ("waterway", "fclass"), "lights": ("highway", "fclass"),
    "garbage": ("amenity", "fclass"), "facilities": ("amenity", "place", "fclass"),
    "zones": ("boundary", "leisure", "tourism", "fclass"), "places": ("place", "fclass"),
    "buildings": ("building", "type"),
}
"""Per layer, the OSM (or Geofabrik) columns that may give the class, in order."""
CLASS_COLUMN = "vgis_osm_class"
SURFACE_COLUMN = "vgis_osm_surface"
_GRADE = re.compile(r"^(track)_grade\d$")


def _value_table(layer: str, key: str) -> dict[str, str]:
    from layers.io.osm import TAG_TABLE

    table: dict[str, str] = {}
    for name, tag, values in TAG_TABLE:
        if name == layer and (tag == key or key == "fclass"):
            table.update(values)
    return table


def _named_class(columns: list[str]) -> bool:
    """Whether a column already names the class (``class`` or a planner's alias)."""
    words = {normalize_word(w) for w in ("class", *FIELD_ALIASES["class"])
             if w not in ("fclass", "type")}
    return any(normalize_word(c) in words for c in columns)


def recognise_osm_columns(frame: pd.DataFrame, spec: LayerSpec,
                          field_map: Mapping[str, str] | None, report: ImportReport
                          ) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame with the class (and a road's surface) read from OSM columns, if any.

    Returns the frame (with :data:`CLASS_COLUMN` / :data:`SURFACE_COLUMN` added) and the
    field map to normalise it with; both unchanged when ``field_map`` names the class,
    a column already does, or no OSM column is there.
    """
    fields = dict(field_map or {})
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    if spec.class_field is None or "class" in fields or _named_class(columns):
        return frame, fields
    frame = _from_other_tags(frame, (*OSM_KEYS.get(spec.name, ()), "surface"), report)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    lower = {c.lower(): c for c in columns}
    key = next((k for k in OSM_KEYS.get(spec.name, ()) if k in lower), None)
    if key is None:
        return frame, fields
    column = lower[key]
    raw = frame[column].astype("string").str.strip()
    if spec.name == "buildings":  # the building tag's value is the class word, as in a .pbf
        mapped = raw.where(raw != "yes", "other") if key == "type" else raw
    else:
        table = _value_table(spec.name, key)
        graded = raw.str.replace(_GRADE, r"\1", regex=True)
        mapped = graded.map({v: table.get(v, v) for v in graded.dropna().unique()})
    out = frame.copy()
    out[CLASS_COLUMN] = mapped.astype(object).where(mapped.notna(), None)
    fields["class"] = CLASS_COLUMN
    report.notes.append(f"class from the OSM column {column!r} (the OSM value map of .pbf "
                        "imports)")
    if spec.name == "roads" and "surface" in lower and "surface" not in fields:
        from layers.io.osm import road_surface

        values = frame[lower["surface"]].astype("string").str.strip()
        out[SURFACE_COLUMN] = values.map(
            {v: road_surface({"surface": v}) for v in values.dropna().unique()}
        ).astype(object).where(values.notna(), None)
        fields["surface"] = SURFACE_COLUMN
        report.notes.append(f"surface from the OSM column {lower['surface']!r}")
    return out, fields


OTHER_TAGS = "other_tags"
"""GDAL's OSM driver's column of the keys without a column of their own (hstore text)."""


def _from_other_tags(frame: pd.DataFrame, keys: tuple[str, ...], report: ImportReport
                     ) -> pd.DataFrame:
    """The frame with each of ``keys`` that no column has read from ``other_tags``."""
    lower = {str(c).lower(): c for c in frame.columns}
    if OTHER_TAGS not in lower:
        return frame
    tags = frame[lower[OTHER_TAGS]].astype("string")
    out = frame
    for key in keys:
        if key in lower or key == "fclass":
            continue
        values = tags.str.extract(rf'(?:^|,)"{re.escape(key)}"=>"((?:[^"\\]|\\.)*)"',
                                  expand=False)
        if values.notna().any():
            out = out.copy() if out is frame else out
            out[key] = values
            report.notes.append(f"{key!r} read from GDAL's {OTHER_TAGS!r} column")
    return out


def fallback_warning(canonical: pd.DataFrame, spec: LayerSpec, columns: list[str],
                     report: ImportReport) -> None:
    """Warn in the report when most features fell back to the class ``other``."""
    field = spec.class_field
    if field is None or field.fallback is None or not len(canonical):
        return
    fallen = int((canonical["class"] == field.fallback).sum())
    if fallen * 2 > len(canonical):
        seen = ", ".join(c for c in columns if not c.startswith("vgis_"))[:300]
        report.notes.append(
            f"warning: {fallen} of {len(canonical)} {spec.name} have the class "
            f"{field.fallback!r}: no column gave a known class (columns seen: {seen}); "
            "name one with --field class=COLUMN or map its words with --values FILE")
