"""The record of one import: what was written, repaired and mapped, worth telling the planner.

Kept with every load in the ``loads`` table (:func:`layers.store.replace_source`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field


@dataclass
class ImportReport:
    """What an import did: counts, repairs and value mappings worth telling the planner."""

    source: str
    layer_counts: dict[str, int] = field(default_factory=dict)
    repaired: int = 0
    split_multipart: int = 0
    collapsed_to_point: int = 0
    mapped_to_fallback: Counter[str] = field(default_factory=Counter)
    defaults: Counter[str] = field(default_factory=Counter)
    replaced: int = 0
    notes: list[str] = field(default_factory=list)
    credit: str | None = None  # who the data comes from, as the planner declared it

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form of the report."""
        return {
            "source": self.source,
            "features": self.layer_counts,
            "repaired_geometries": self.repaired,
            "split_multipart": self.split_multipart,
            "collapsed_to_point": self.collapsed_to_point,
            "unknown_values_mapped_to_fallback": dict(self.mapped_to_fallback),
            "defaults_applied": dict(self.defaults),
            "replaced_features": self.replaced,
            "notes": self.notes,
            "credit": self.credit,
        }


class LoadAnswer(BaseModel):
    """What the service answers for an import (a POST of features or an uploaded file)."""

    area: str = Field(description="the area the features went into")
    source: str = Field(description="the source's name; a later load of it replaces these")
    features: dict[str, int] = Field(description="features written, per layer")
    repaired_geometries: int = Field(description="geometries repaired safely (make_valid)")
    split_multipart: int = Field(description="multi-part lines/points split into parts")
    collapsed_to_point: int = Field(description="footprints with no area kept as points")
    unknown_values_mapped_to_fallback: dict[str, int] = Field(
        description="unknown class words mapped to other/unknown, with counts")
    defaults_applied: dict[str, int] = Field(description="defaults filled in, with counts")
    replaced_features: int = Field(description="features of an earlier load replaced")
    notes: list[str] = Field(description="what else the planner should know")
    credit: str | None = Field(default=None, description=(
        "who the data comes from, as declared at load (printed on maps and documents; "
        "null: the office's own)"))

    @classmethod
    def of(cls, area: str, report: ImportReport) -> LoadAnswer:
        """The answer for ``report`` of an import into ``area``."""
        return cls.model_validate({"area": area, **report.as_dict()})


class AttributesReport(BaseModel):
    """What a survey spreadsheet merged into the villages (``vgis load attrs``)."""

    file: str = Field(description="the spreadsheet's name")
    area: str = Field(description="the area whose villages were matched")
    key: str = Field(description="matched by village name or code")
    villages: int = Field(description="villages (rows) merged")
    columns: list[str] = Field(description="columns written to the villages table")
    attributes: list[str] = Field(description="columns merged into the villages' attributes")


class TerrainRecord(BaseModel):
    """A registered terrain model (``vgis load dem``)."""

    area: str = Field(description="the area it belongs to")
    source: str = Field(description="the file it came from")
    path: str = Field(description="where the tiled GeoTIFF copy is kept")
    crs: str = Field(description="its CRS")
    width: int = Field(description="cells across")
    height: int = Field(description="cells down")
    res_x: float = Field(description="cell width, in the CRS's units")
    res_y: float = Field(description="cell height, in the CRS's units")
    nodata: float = Field(description="the value of cells without data")
    min_value: float = Field(description="lowest elevation, metres")
    max_value: float = Field(description="highest elevation, metres")
