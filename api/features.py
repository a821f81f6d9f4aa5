"""Layers as OGC API Features (Part 1, Core + GeoJSON), with writes behind an API key."""

from __future__ import annotations

import json
import math
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Body, File, Query, Request, UploadFile
from fastapi import Path as Path_
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.deps import Actor, EngineDep, SettingsDep, WriteAccess
from api.errors import ERROR_RESPONSES, WRITE_RESPONSES, UploadTooLarge
from api.guard import UPLOAD_BYTES
from api.rendered import rendered
from layers.errors import VgisError
from layers.features import (
    FeaturePage,
    FeatureQuery,
    check_bbox,
    delete_feature,
    get_feature,
    layer_extent,
    query_features,
)
from layers.report import AttributesReport, LoadAnswer
from layers.schema import LAYERS, layer_spec
from layers.versions import AreaVersion

router = APIRouter(tags=["layers (OGC API Features)"], responses=ERROR_RESPONSES)
_GEOJSON_200: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/geo+json": {}, "text/html": {}},
          "description": "GeoJSON (or, with f=html, a small map)"}}
GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
ATTRIBUTION = (
    "© OpenStreetMap contributors, data available under the Open Database License (ODbL 1.0), "
    "https://www.openstreetmap.org/copyright; elevation: NASA/USGS SRTM, public domain"
)
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]
MAX_LIMIT = 10_000
MAX_UPLOAD_BYTES = UPLOAD_BYTES
MAX_NAME_BYTES = 200


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def collection_doc(name: str, base: str, extent: list[float] | None) -> dict[str, Any]:
    """The description of one collection."""
    spec = LAYERS[name]
    return {
        "id": name, "title": spec.title_en,
        "description": f"{spec.title_zh} / {spec.title_en}: {', '.join(spec.geometry_types)}",
        "itemType": "feature", "crs": [CRS84],
        "extent": {"spatial": {"bbox": [extent] if extent else [], "crs": CRS84}},
        "attribution": ATTRIBUTION,
        "links": [
            {"href": f"{base}/collections/{name}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections/{name}/items", "rel": "items", "type": GEOJSON},
        ],
    }


@router.get("/conformance")
def conformance() -> dict[str, list[str]]:
    """The OGC API conformance classes implemented."""
    return {"conformsTo": CONFORMANCE}


@router.get("/collections")
def collections(request: Request, engine: EngineDep) -> dict[str, Any]:
    """The ten canonical vector layers."""
    base = _base(request)
    return {
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        "collections": [collection_doc(n, base, layer_extent(engine, n)) for n in LAYERS],
    }


@router.get("/collections/{layer}")
def collection(layer: str, request: Request, engine: EngineDep) -> dict[str, Any]:
    """One collection."""
    layer_spec(layer)
    return collection_doc(layer, _base(request), layer_extent(engine, layer))


ITEMS_PARAMETERS = frozenset({"bbox", "bbox-crs", "limit", "offset", "area", "status",
                              "village", "f"})


def _unknown_parameters(request: Request, known: frozenset[str]) -> Response | None:
    """A 400 naming the query parameters the route does not know (None when all are known)."""
    names = set(request.query_params)
    if "datetime" in names:
        return JSONResponse({"error": "InvalidParameter", "detail": (
            "datetime is not supported: the layers have no time field")}, status_code=400)
    unknown = sorted(names - known)
    if not unknown:
        return None
    shown = ", ".join(repr(n[:40]) for n in unknown[:5])
    return JSONResponse({"error": "InvalidParameter", "detail": (
        f"unknown query parameter(s) {shown}; this route takes "
        f"{', '.join(sorted(known))}")}, status_code=400)


def _parse_bbox(bbox: str | None, bbox_crs: str | None) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    try:
        values = [float(v) for v in bbox.split(",")]
    except ValueError:
        raise VgisError("bbox is four numbers: minx,miny,maxx,maxy") from None
    if len(values) != 4 or not all(v == v and abs(v) != float("inf") for v in values):
        raise VgisError("bbox is four finite numbers: minx,miny,maxx,maxy")
    box = (values[0], values[1], values[2], values[3])
    if bbox_crs == "http://www.opengis.net/def/crs/EPSG/0/4326":  # OGC: latitude first
        box = (box[1], box[0], box[3], box[2])
    elif bbox_crs and bbox_crs not in (CRS84, "EPSG:4326"):
        from pyproj import Transformer

        from layers.io.crs import usable_crs

        source = usable_crs(bbox_crs.rsplit("/", 1)[-1] if "opengis" in bbox_crs else bbox_crs,
                            "bbox-crs")
        box = Transformer.from_crs(source, 4326, always_xy=True).transform_bounds(*box)
        if not all(math.isfinite(v) for v in box):
            raise VgisError("bbox is outside the area of bbox-crs")
    check_bbox(box)
    return box


@router.get("/collections/{layer}/items", response_class=JSONResponse, responses=_GEOJSON_200)
async def items(
    layer: str, request: Request, engine: EngineDep, settings: SettingsDep,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy (degrees)")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    area: Annotated[str | None, Query(max_length=200)] = None,
    status: Annotated[str | None, Query(pattern="^(existing|planned)$")] = None,
    village: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    f: Annotated[str | None, Query(pattern="^(json|html)$")] = None,
) -> Response:
    """Features of a layer as GeoJSON, filtered and paged (``f=html``: a small map).

    An unknown query parameter is a 400 (OGC API Features, "unknown parameters"), and so
    is ``datetime``: no layer has a time field to filter on. Pages are kept by the
    store's data version (:mod:`api.rendered`), with an ETag.
    """
    refused = _unknown_parameters(request, ITEMS_PARAMETERS)
    if refused is not None:
        return refused
    layer_spec(layer)
    q = FeatureQuery(layer, _parse_bbox(bbox, bbox_crs), area, status, village, limit, offset)
    wants_html = f == "html" or (f is None and "text/html" in request.headers.get("accept", ""))
    if wants_html:
        def page_html(_: AreaVersion) -> bytes:
            from maps.interactive import features_page

            page = query_features(engine, q)
            return features_page(f"{layer} ({page.returned} / {page.matched})",
                                 page.features_json).encode()

        return await rendered(request, settings, engine, media_type="text/html; charset=utf-8",
                              make=page_html, variant="html")

    def page_json(_: AreaVersion) -> bytes:
        return _collection(request, layer, query_features(engine, q), limit, offset).encode()

    return await rendered(request, settings, engine, media_type=GEOJSON, make=page_json)


def _collection(request: Request, layer: str, page: FeaturePage, limit: int, offset: int
                ) -> str:
    """The GeoJSON FeatureCollection of one page, with its OGC links."""
    base = f"{_base(request)}/collections/{layer}/items"
    params = dict(request.query_params)
    links = [{"href": str(request.url), "rel": "self", "type": GEOJSON}]
    if offset + page.returned < page.matched:
        nxt = {**params, "offset": str(offset + limit), "limit": str(limit)}
        links.append({"href": f"{base}?{urlencode(nxt)}",
                      "rel": "next", "type": GEOJSON})
    if offset > 0:
        prev = {**params, "offset": str(max(offset - limit, 0)), "limit": str(limit)}
        links.append({"href": f"{base}?{urlencode(prev)}",
                      "rel": "prev", "type": GEOJSON})
    head = json.dumps({"type": "FeatureCollection", "numberMatched": page.matched,
                       "numberReturned": page.returned, "links": links})
    # the features arrive as GeoJSON text from PostGIS: spliced in, never re-parsed
    return head[:-1] + ', "features": ' + page.features_json + "}"


@router.get("/collections/{layer}/items/{feature_id}", response_class=JSONResponse,
            responses=_GEOJSON_200)
def item(layer: str, feature_id: int, request: Request, engine: EngineDep) -> Response:
    """One feature."""
    refused = _unknown_parameters(request, frozenset({"f"}))
    if refused is not None:
        return refused
    feature = get_feature(engine, layer, feature_id)
    if feature is None:
        return JSONResponse({"error": "NotFound", "detail": f"no {layer} feature {feature_id}"},
                            status_code=404)
    return JSONResponse(feature, media_type=GEOJSON)


@router.post("/collections/{layer}/items", status_code=201, responses=WRITE_RESPONSES)
def add_items(
    layer: str, engine: EngineDep, actor: Actor,
    area: Annotated[str, Query(min_length=1, max_length=200)],
    collection: Annotated[dict[str, Any], Body(description="a GeoJSON FeatureCollection")],
    source: Annotated[str | None, Query(max_length=200)] = None,
) -> LoadAnswer:
    """Add features (atomic: any bad feature rejects all, 422 with every problem)."""
    from layers.io.loader import load_features

    layer_spec(layer)
    report = load_features(engine, collection, layer, area, source or f"api-{uuid.uuid4()}",
                           actor=actor)
    return LoadAnswer.of(area, report)


@router.delete("/collections/{layer}/items/{feature_id}", status_code=204,
               dependencies=[WriteAccess], responses=WRITE_RESPONSES)
def remove_item(layer: str, feature_id: int, engine: EngineDep) -> Response:
    """Delete one feature."""
    if not delete_feature(engine, layer, feature_id):
        return JSONResponse({"error": "NotFound", "detail": f"no {layer} feature {feature_id}"},
                            status_code=404)
    return Response(status_code=204)


class AreaDeleted(BaseModel):
    """What deleting an area removed."""

    area: str = Field(description="the area deleted")
    deleted: dict[str, int] = Field(description="features per layer, and loads and rasters")


@router.delete("/areas/{area}", responses=WRITE_RESPONSES)
def delete_area(area: Annotated[str, Path_(max_length=200)], engine: EngineDep,
                actor: Actor) -> AreaDeleted:
    """Delete an area with its features, terrain models, load records and plans (atomic).

    The administrator's key only: the plans' journals go with the area.
    """
    from fastapi import HTTPException

    from layers.keys import ADMIN
    from layers.store import delete_area as remove

    if actor != ADMIN:
        raise HTTPException(403, "deleting an area (and its plans) needs the "
                                 "administrator's key (VGIS_API_KEY)")

    return AreaDeleted(area=area, deleted=remove(engine, area))


@router.post("/areas/{area}/upload", status_code=201, responses=WRITE_RESPONSES)
async def upload(
    area: Annotated[str, Path_(max_length=200)], engine: EngineDep, settings: SettingsDep,
    actor: Actor,
    layer: Annotated[str, Query()], file: Annotated[UploadFile, File()],
    crs: Annotated[str | None, Query(max_length=200)] = None,
    drop_attributes: Annotated[bool, Query(description="load a Shapefile without its .dbf "
                                                       "(geometry only)")] = False,
    credit: Annotated[str | None, Query(max_length=200, description=(
        "who the data comes from, printed on maps and documents (e.g. © OpenStreetMap "
        "contributors (ODbL 1.0) for a file made from OSM)"))] = None,
) -> LoadAnswer:
    """Import a whole file (GeoPackage, zipped Shapefile, GeoJSON, KML, CSV) into an area."""
    from starlette.concurrency import run_in_threadpool

    from layers.io.loader import load_file

    layer_spec(layer)
    with tempfile.TemporaryDirectory(prefix="vgis-upload-") as tmp:
        target = await _receive(file, Path(tmp))
        report = await run_in_threadpool(load_file, engine, target, layer, area, crs=crs,
                                         drop_attributes=drop_attributes, actor=actor,
                                         credit=credit)
    return LoadAnswer.of(area, report)


async def _receive(file: UploadFile, folder: Path) -> Path:
    """Write an uploaded file into ``folder`` under its own (base) name, within the limit."""
    from layers.errors import UnreadableFile

    name = Path(file.filename or "").name
    if name in ("", ".", ".."):
        name = "upload"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES or any(ord(c) < 32 for c in name):
        raise UnreadableFile(f"{name[:60]}…: a file name is at most {MAX_NAME_BYTES} bytes of "
                             "printable text")
    target = folder / name
    size = 0
    with target.open("wb") as out:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise UploadTooLarge(MAX_UPLOAD_BYTES)
            out.write(chunk)
    if size == 0:
        raise UnreadableFile(f"{name}: the file is empty")
    return target


@router.post("/areas/{area}/attributes", responses=WRITE_RESPONSES)
async def attributes(
    area: Annotated[str, Path_(max_length=200)], engine: EngineDep, actor: Actor,
    file: Annotated[UploadFile, File()],
    key: Literal["name", "code"] = "name",
    encoding: Annotated[str | None, Query(max_length=40)] = None,
) -> AttributesReport:
    """Merge a survey spreadsheet (CSV/XLSX, one row per village) into the villages.

    Rows are matched by village ``name`` or ``code``; population, households and
    farmland_mu fill their columns, every other column the village's attributes. All or
    nothing: 422 with every bad row.
    """
    from starlette.concurrency import run_in_threadpool

    from layers.io.attributes import load_attributes

    with tempfile.TemporaryDirectory(prefix="vgis-upload-") as tmp:
        target = await _receive(file, Path(tmp))
        return await run_in_threadpool(load_attributes, engine, target, area, key=key,
                                       encoding=encoding, actor=actor)
