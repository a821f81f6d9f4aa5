"""Make the synthetic sample layers and plan of ``lauf`` (``data/synthetic/``), seeded.

Rural German OSM maps no street lamps, so the planner's afternoon would show 0 % lit
everywhere. This script writes, for three villages of the ``lauf`` sample (Kuhnhof,
Rudolfshof, Kotzenhof):

- ``lauf-lights.gpkg``: surveyed-style solar lights every 30–60 m (uniform, seeded)
  along a seeded 60 % of each village's lit road classes (村道, 巷道, 乡道), on the
  road's line, every one marked ``synthetic`` in its name and source;
- ``lauf-bins.gpkg``: two bins per village at seeded residential buildings;
- ``lauf-plan-2027.geojson``: the plan "示范村规划 2027" of Kuhnhof, the analysis'
  proposals on those layers (new lights on the remaining gaps, collection points to
  95 % of households), which ``vgis load samples`` saves as a plan.

Usage (a store with the samples loaded, e.g. after ``make run``'s first steps)::

    python scripts/make_sample_plan.py [--seed 2027]

The output is committed; the script is how it was made.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from gis.context import Context
from gis.params import CoverageOptions, LightingParams
from gis.plans import propose
from layers.io.loader import load_file
from layers.plans import plan_frames
from layers.runtime.db import get_engine

OUT = Path(__file__).resolve().parent.parent / "data" / "synthetic"
VILLAGES = ("Kuhnhof", "Rudolfshof", "Kotzenhof")
PLAN_VILLAGE = "Kuhnhof"
AREA = "lauf"


def main() -> int:
    """Write the three files (see the module's text)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    engine = get_engine()
    OUT.mkdir(parents=True, exist_ok=True)
    classes = LightingParams.defaults().classes
    lights, bins = [], []
    for name in VILLAGES:
        ctx = Context.load(engine, AREA, name)
        polygon = ctx.villages.geometry.iloc[0]
        roads = ctx.layer("roads", classes=classes)
        roads = roads[roads.intersects(polygon)].sort_values("id")
        chosen = roads[rng.random(len(roads)) < 0.6]
        for line in shapely.intersection(chosen.geometry.to_numpy(), polygon):
            for part in shapely.get_parts(line):
                if part.geom_type != "LineString":
                    continue
                at = float(rng.uniform(0, 30))
                while at < part.length:
                    lights.append((name, part.interpolate(at)))
                    at += float(rng.uniform(30, 60))
        homes = ctx.layer("buildings", classes=("residential",))
        homes = homes[homes.intersects(polygon)].sort_values("id")
        for i in rng.choice(len(homes), size=min(2, len(homes)), replace=False):
            bins.append((name, homes.geometry.iloc[int(i)].centroid))
    epsg = Context.load(engine, AREA, VILLAGES[0]).epsg
    light_frame = gpd.GeoDataFrame(
        {"name": [f"synthetic light, {v}" for v, _ in lights], "class": "solar",
         "working": True, "status": "existing"},
        geometry=[g for _, g in lights], crs=epsg).to_crs(4326)
    bin_frame = gpd.GeoDataFrame(
        {"name": [f"synthetic bin, {v}" for v, _ in bins], "class": "bin",
         "status": "existing"}, geometry=[g for _, g in bins], crs=epsg).to_crs(4326)
    for frame, file in ((light_frame, "lauf-lights.gpkg"), (bin_frame, "lauf-bins.gpkg")):
        (OUT / file).unlink(missing_ok=True)
        frame.to_file(OUT / file, driver="GPKG")
    load_file(engine, OUT / "lauf-lights.gpkg", "lights", AREA)
    load_file(engine, OUT / "lauf-bins.gpkg", "garbage", AREA)
    ctx = Context.load(engine, AREA, PLAN_VILLAGE)
    features = []
    for kind, options in (("lights", CoverageOptions()),
                          ("garbage", CoverageOptions(target_share=0.95))):
        for f in propose(ctx, plan_frames(engine, -1), kind, options).features:
            geom = shapely.set_precision(f.geom, 1e-7)
            features.append({"type": "Feature", "geometry": json.loads(shapely.to_geojson(geom)),
                             "properties": {"layer": f.layer, **f.props}})
        ctx = Context.load(engine, AREA, PLAN_VILLAGE)
    plan = {"type": "FeatureCollection",
            "plan": {"name": "示范村规划 2027", "village": PLAN_VILLAGE,
                     "note": "Sample plan (synthetic): the analysis' proposals for the "
                             "synthetic lights and bins of data/synthetic."},
            "features": features}
    (OUT / "lauf-plan-2027.geojson").write_text(json.dumps(plan, ensure_ascii=False, indent=1),
                                                encoding="utf-8")
    print(f"{len(light_frame)} lights, {len(bin_frame)} bins, plan of {len(features)} features "
          f"in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
