"""What a data check answers: findings with a code, a severity, words and the features.

A :class:`Finding` is one problem of an area's data a planner should know before
trusting its figures: a stable ``code``, how many things it concerns, how serious it is,
an explanation in Chinese and English with the numbers, the store ids of the features
concerned and where they are (lon/lat, EPSG:4326) for the map. :class:`CheckReport` is
the answer of ``vgis check`` and ``GET /areas/{area}/check``. The thresholds are in
:class:`CheckParams`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field
from pyproj import Transformer

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
"""Most serious first (the order of a report)."""
Figure = float | int | str | list[float] | list[str] | None


@dataclass(frozen=True)
class CheckParams:
    """The thresholds of the data checks (metres in the area's metric CRS).

    Attributes
    ----------
    grid_m
        Road vertices closer than this (rounded to this grid) are one node: roads join there.
    dangle_m
        A road end that joins no road but lies within this of another is an undershoot.
    off_road_m
        Lights and garbage points farther than this from every road are reported.
    short_component_m
        A connected part of the road network shorter than this in total is isolated.
    outside_share_warning
        Disconnected roads are a warning (not only information) when the roads outside the
        largest component are at least this share of the road length.
    largest_listed
        How many of the largest network components a finding lists.
    max_ids
        Most feature ids (and locations) a finding lists; ``truncated`` says when cut.
    """

    grid_m: float = 0.01
    dangle_m: float = 2.0
    off_road_m: float = 30.0
    short_component_m: float = 100.0
    outside_share_warning: float = 0.1
    largest_listed: int = 5
    max_ids: int = 500


class Finding(BaseModel):
    """One data problem of an area, with the features concerned."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stable name of the check, e.g. roads_disconnected")
    severity: Severity = Field(description="info, warning or error (the figures are wrong)")
    layer: str = Field(description="the layer concerned")
    count: int = Field(description="how many things the finding concerns (see its code)")
    message_zh: str = Field(description="the explanation, in Chinese, with the numbers")
    message_en: str = Field(description="the explanation, in English, with the numbers")
    feature_ids: list[int] = Field(description="store ids of the features concerned "
                                               "(at most CheckParams.max_ids)")
    truncated: bool = Field(description="whether feature_ids or locations were cut short")
    locations: list[tuple[float, float]] = Field(
        description="where the problems are, [lon, lat] in EPSG:4326 degrees")
    figures: dict[str, Figure] = Field(
        default_factory=dict, description="the numbers behind the message (metres, shares 0..1)")


class CheckReport(BaseModel):
    """The data checks of one area: every finding, most serious first."""

    area: str = Field(description="the area's name")
    findings: list[Finding] = Field(description="problems found (none: every check passed)")


class FindingMaker:
    """Builds findings of one area: ids capped, metric points turned into lon/lat."""

    def __init__(self, epsg: int, params: CheckParams) -> None:
        self.params = params
        self._to_wgs84 = Transformer.from_crs(epsg, 4326, always_xy=True)

    def lonlat(self, points: NDArray[np.object_]) -> list[tuple[float, float]]:
        """Points (metric CRS) as rounded (lon, lat) pairs, at most ``max_ids`` of them."""
        xy = shapely.get_coordinates(np.asarray(points, dtype=object)[: self.params.max_ids])
        if len(xy) == 0:
            return []
        lon, lat = self._to_wgs84.transform(xy[:, 0], xy[:, 1])
        return [(round(float(x), 6), round(float(y), 6)) for x, y in zip(lon, lat, strict=True)]

    def make(self, code: str, severity: Severity, layer: str, count: int, zh: str, en: str,
             ids: Sequence[int] | NDArray[np.int64], where: NDArray[np.object_],
             **figures: Any) -> Finding:
        """A finding; ``ids`` and the points ``where`` (metric CRS) cut to ``max_ids``."""
        cap = self.params.max_ids
        listed = [int(i) for i in list(ids)[:cap]]
        return Finding(code=code, severity=severity, layer=layer, count=int(count),
                       message_zh=zh, message_en=en, feature_ids=listed,
                       truncated=len(ids) > cap or len(where) > cap,
                       locations=self.lonlat(where), figures=figures)


def metres(value: float) -> str:
    """A length as a planner reads it: ``630 m``, ``2.7 km``."""
    return f"{value / 1000:,.1f} km" if value >= 1000 else f"{value:,.0f} m"


def things(n: int, one: str, many: str) -> str:
    """``1 road``, ``2,345 roads``: a count and its noun in English."""
    return f"{n:,} {one if n == 1 else many}"


def percent(share: float) -> str:
    """A share 0..1 as a percentage with one decimal."""
    return f"{share:.1%}"


def ordered(findings: list[Finding], codes: Sequence[str]) -> list[Finding]:
    """Most serious first; within a severity in the order of ``codes``, then by layer."""
    rank = {c: i for i, c in enumerate(codes)}
    return sorted(findings, key=lambda f: (SEVERITIES.index(f.severity),
                                           rank.get(f.code, len(rank)), f.layer))
