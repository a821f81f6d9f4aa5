"""Coverage of villages by their services, as the plans state them: one entry for every kind.

:func:`coverage` is what the faces, the maps and the figures call: the parameters'
type says the kind (:mod:`gis.params`), and the kinds are

- ``lights``: share of road length within reach of a working light (:mod:`gis.lighting`);
- ``garbage`` and ``facilities``: share of households within the service radius of a
  point (:mod:`gis.service`);
- ``drainage``: main road length with drainage alongside; ``roads``: hardened share
  (:mod:`gis.roads`).

Every kind analyses all villages of a :class:`~gis.context.Context` at once and, with
``include_planned``, reports the figures with planned features too (before/after).
Distances are metres in the area's metric CRS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gis.context import Context
from gis.lighting import lighting_coverage
from gis.params import (
    CoverageParams,
    DrainageParams,
    HardeningParams,
    LightingParams,
    ServiceParams,
)
from gis.results import Coverage
from gis.roads import drainage_coverage, road_hardening
from gis.service import household_coverage


def coverage(ctx: Context, params: CoverageParams, *, details: bool = True
             ) -> Sequence[Coverage[Any, Any]]:
    """The coverage of every village in ``ctx`` of the kind ``params`` are of.

    Parameters
    ----------
    ctx
        The villages and the store.
    params
        :class:`LightingParams`, :class:`ServiceParams` (garbage, facilities),
        :class:`DrainageParams` or :class:`HardeningParams`; e.g.
        ``CoverageOptions(radius_m=20).params("lights")``.
    details
        Lights and garbage: also build the map layers (gaps and proposed lights,
        unserved buildings and proposed points); off for bulk runs.
    """
    if isinstance(params, LightingParams):
        return lighting_coverage(ctx, params, details=details)
    if isinstance(params, ServiceParams):
        return household_coverage(ctx, params, details=details)
    if isinstance(params, DrainageParams):
        return drainage_coverage(ctx, params)
    if isinstance(params, HardeningParams):
        return road_hardening(ctx, params)
    raise TypeError(f"not coverage parameters: {params!r}")
