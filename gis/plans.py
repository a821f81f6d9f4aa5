"""A plan's figures before and after, and proposals that fill what it still lacks.

A plan's *before* is the village as surveyed (existing features); its *after* is the
existing features and the plan's own (:class:`gis.context.Context` with ``plan``), never
the store's other planned rows. Figures use each kind's default parameters (those of the
village sheet), so two plans of a village compare on the same terms. A plan of one
village answers that village's figures (``facilities``: households within reach of a
facility of the classes the plan adds); an area-wide plan answers the area's totals
(lengths and counts summed, shares recomputed from the sums).

Proposals take the plan as built (:meth:`gis.context.Context.as_built`) and run the
analysis' own siting: new lights along the unlit gaps that remain (:mod:`gis.lighting`),
new collection points to the target share of households (:mod:`gis.service`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from gis.context import Context
from gis.coverage import coverage
from gis.params import CoverageOptions, CoverageParams
from gis.results import (
    DrainageFigures,
    Figures,
    HardeningFigures,
    LightingFigures,
    LitFigures,
    ServedFigures,
    ServiceFigures,
)
from layers.plans import Plan, PlannedFeature, plan_frames, plan_snapshot, plan_village

KIND_LAYERS: dict[str, tuple[str, ...]] = {
    "lights": ("lights", "roads"), "garbage": ("garbage",),
    "drainage": ("drainage", "roads"), "roads": ("roads",), "facilities": ("facilities",),
}
"""The plan layers each coverage kind counts (a planned road is lit or not, and so on)."""
ALWAYS: tuple[str, ...] = ("lights", "garbage")
"""The kinds every plan reports, planned features or not."""
SHARES: dict[str, tuple[str, str]] = {
    "lit_share": ("lit_length_m", "road_length_m"),
    "served_share": ("served_households", "households"),
    "with_drainage_share": ("with_drainage_length_m", "main_road_length_m"),
    "hardened_share": ("hardened_length_m", "road_length_m"),
    "households_near_hardened_share": ("households_near_hardened_road", "households"),
}
"""Each share and the sums it is recomputed from when villages are added up."""
PROPOSED: dict[str, tuple[str, dict[str, Any]]] = {
    "lights": ("proposed_lights", {"class": "solar", "working": True}),
    "garbage": ("proposed_points", {"class": "collection_point"}),
}
"""Per kind proposals can be made for: the analysis' layer of proposed points and the
fields a proposed feature gets (a solar street light; a collection point)."""

PLANNED_FIGURES: dict[type[Figures], type[Figures]] = {
    LightingFigures: LitFigures, ServiceFigures: ServedFigures,
    DrainageFigures: DrainageFigures, HardeningFigures: HardeningFigures,
}
"""The figures a plan reports of each kind: those of the analysis' before/after."""
Frames = Mapping[str, gpd.GeoDataFrame]
BeforeAfter = dict[str, dict[str, Any]]


def plan_kinds(frames: Frames) -> list[str]:
    """The kinds a plan reports: lights and garbage, and every kind it has features for."""
    return [k for k in KIND_LAYERS
            if k in ALWAYS or any(layer in frames for layer in KIND_LAYERS[k])]


def total(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Figures of several villages added up: numbers summed, shares from the sums."""
    out: dict[str, Any] = {}
    for key in rows[0]:
        values = [r[key] for r in rows if key in r]
        if key in SHARES:
            continue
        if isinstance(values[0], dict):
            classes = sorted({c for v in values for c in v})
            out[key] = {c: total([v[c] for v in values if c in v]) for c in classes}
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            out[key] = sum(values)
    for share, (num, den) in SHARES.items():
        if share in rows[0]:
            out[share] = out[num] / out[den] if out.get(den) else None
    return out


def plan_figures(ctx: Context, frames: Frames, kinds: Sequence[str] | None = None
                 ) -> dict[str, BeforeAfter]:
    """``{kind: {"before": {...}, "after": {...}}}`` of the plan's villages.

    Parameters
    ----------
    ctx
        A fresh context of the plan's village (or of its area); it gets the plan.
    frames
        The plan's features per layer (:func:`layers.plans.plan_frames`, EPSG:4326).
    kinds
        Which kinds (default :func:`plan_kinds`).
    """
    ctx.plan, ctx.plan_as_existing = frames, False
    out: dict[str, BeforeAfter] = {}
    villages = tuple(int(v) for v in ctx.villages["id"])
    for kind in kinds or plan_kinds(frames):
        options = CoverageOptions(include_planned=False)
        if kind == "facilities":  # households within reach of the kinds of facility planned
            options = replace(options, classes=tuple(sorted(set(frames["facilities"]["class"]))))
        params = options.params(kind)
        # before: the existing features only, kept with the warm area (an edit of the
        # plan does not change it); after: the same analysis with the plan taken as built
        def existing(p: CoverageParams = params) -> list[Figures]:
            return [c.figures for c in coverage(ctx, p, details=False)]

        before = ctx.derived(("plan-before", params, villages), existing)
        with ctx.as_built():
            after = [c.figures for c in coverage(ctx, params, details=False)]
        if not before:
            continue
        fields = set(PLANNED_FIGURES[type(before[0])].model_fields)
        befores = [f.model_dump(include=fields) for f in before]
        afters = [f.model_dump(include=fields) for f in after]
        if len(befores) == 1:
            out[kind] = {"before": befores[0], "after": afters[0]}
        else:
            out[kind] = {"before": total(befores), "after": total(afters)}
    return out


@dataclass(frozen=True)
class Proposal:
    """What the analysis proposes for a plan: the new features, ready to add."""

    kind: str
    features: list[PlannedFeature]


def propose(ctx: Context, frames: Frames, kind: str, options: CoverageOptions) -> Proposal:
    """New lights or collection points for what the plan (taken as built) still lacks.

    Parameters
    ----------
    ctx
        A fresh context of the plan's village (or of its area); it gets the plan.
    frames
        The plan's features per layer (EPSG:4326).
    kind
        ``lights`` or ``garbage``.
    options
        The analysis' options (radius, classes, target share ...); planned features
        always count (the plan is taken as built).
    """
    from layers.errors import VgisError

    if kind not in PROPOSED:
        raise VgisError(f"proposals are made for {', '.join(PROPOSED)}, not {kind!r}")
    layer_key, props = PROPOSED[kind]
    ctx.plan = frames
    params = replace(options, include_planned=False).params(kind)
    with ctx.as_built():
        found = coverage(ctx, params, details=True)
    parts = [c.layers[layer_key] for c in found if layer_key in c.layers]
    points = (gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)
              if parts else gpd.GeoDataFrame(geometry=[], crs=4326))
    layer = "lights" if kind == "lights" else "garbage"
    return Proposal(kind, [PlannedFeature(layer, None, dict(props), g)
                           for g in points.to_crs(4326).geometry])


ContextMaker = Callable[[Engine, str, "int | None"], Context]
"""Makes the context of an area, or of one village of it (the service's is warm)."""


def cold_context(engine: Engine, area: str, village_id: int | None) -> Context:
    """A context read from the store: one village by id, or every village of ``area``."""
    if village_id is not None:
        return Context.load(engine, area, village_id=village_id)
    return Context.load(engine, area)


def figures_for(engine: Engine, plan_id: int, make: ContextMaker = cold_context
                ) -> tuple[Plan, dict[str, BeforeAfter]]:
    """The plan and its figures before and after (:func:`plan_figures`), of one snapshot.

    The plan's version is the one the figures are of, even while others edit it.
    """
    plan, frames = plan_snapshot(engine, plan_id)
    return plan, plan_figures(make(engine, plan.area, plan_village(engine, plan)), frames)


def propose_for(engine: Engine, plan: Plan, kind: str, options: CoverageOptions, *,
                actor: str, if_match: int | None = None,
                make: ContextMaker = cold_context) -> tuple[int, int]:
    """Add the analysis' proposals to the plan as one edit; (number added, new version).

    Nothing to propose (every gap closed, the target reached) adds nothing and leaves
    the version as it was.
    """
    from layers.plan_edits import add_features
    from layers.plans import check_version

    check_version(plan, if_match)
    ctx = make(engine, plan.area, plan_village(engine, plan))
    found = propose(ctx, plan_frames(engine, plan.id), kind, options)
    if not found.features:
        return 0, plan.version
    version, ids = add_features(engine, plan.id, found.features, actor=actor,
                                if_match=plan.version, action="propose")
    return len(ids), version


def compare_figures(a: Mapping[str, BeforeAfter], b: Mapping[str, BeforeAfter]
                    ) -> dict[str, dict[str, Any]]:
    """Per kind both plans report: every number of the after, b − a (shares 0..1)."""
    out: dict[str, dict[str, Any]] = {}
    for kind in sorted(set(a) & set(b)):
        after_a, after_b = a[kind]["after"], b[kind]["after"]
        out[kind] = {k: after_b[k] - after_a[k] for k in after_a
                     if isinstance(after_a[k], int | float) and not isinstance(after_a[k], bool)
                     and isinstance(after_b.get(k), int | float)}
    return out


@dataclass(frozen=True)
class Comparison:
    """Two variants of one village's plan: both plans, their figures, b − a of the after."""

    a: Plan
    b: Plan
    figures_a: dict[str, BeforeAfter]
    figures_b: dict[str, BeforeAfter]
    difference: dict[str, dict[str, Any]]


def compare_plans(engine: Engine, a: int, b: int, make: ContextMaker = cold_context
                  ) -> Comparison:
    """Compare plans ``a`` and ``b``: variants of one village (or both of one whole area).

    Raises
    ------
    VgisError
        When the plans are of different areas or villages.
    """
    from layers.errors import VgisError

    pa, fa = figures_for(engine, a, make)
    pb, fb = figures_for(engine, b, make)
    if pa.area != pb.area or plan_village(engine, pa) != plan_village(engine, pb):
        raise VgisError(f"plans {a} and {b} are not of one village (or both of one whole "
                        "area): compare variants of the same place")
    return Comparison(pa, pb, fa, fb, compare_figures(fa, fb))
