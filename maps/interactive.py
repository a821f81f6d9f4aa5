"""Interactive Folium maps: village layout, coverage views, corridor and overview.

Every script and style sheet is local (:mod:`maps.assets`); the background is the
area's hillshade unless a tile URL is configured. Layers are grouped per class so a
style is written once per group, coordinates are rounded to 1e-6° (about 0.1 m),
and layers of more than ``POINT_CLOUD_AT`` features are drawn as one canvas point
cloud, so an area of 100k buildings stays a few megabytes and paints quickly.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from gis.context import EXISTING, WITH_PLANNED, Context
from layers.io.chinacoords import from_wgs84
from layers.runtime.settings import get_settings
from layers.schema import STATUSES, WGS84, layer_spec
from maps.assets import FOLIUM_CSS, FOLIUM_JS, TILES_URL, AssetMode, url
from maps.credits import credit_line
from maps.hillshade import area_hillshade, shade_png
from maps.style import Lang, word

POINT_CLOUD_AT = 5000
ATTRIBUTION = ("© OpenStreetMap contributors (ODbL 1.0) · elevation: NASA/USGS SRTM "
               "(public domain)")
"""The credit of a page of features from any area (a map of an area credits its own data)."""


class _Script(MacroElement):
    """Raw JavaScript run after every layer exists; ``{map}`` is the map's variable."""

    def __init__(self, js: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "VgisScript"
        self._template = Template("{% macro script(this, kwargs) %}" + js +
                                  "{% endmacro %}")


def display_coords(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """EPSG:4326 → what the background uses (GCJ-02/BD-09 tiles need shifted overlays)."""
    frame = frame.to_crs(WGS84) if frame.crs is not None else frame.set_crs(WGS84)
    system = get_settings().tile_coords
    geoms = np.asarray(frame.geometry.values)
    if system != "wgs84":
        def shift(xy: np.ndarray) -> np.ndarray:
            lon, lat = from_wgs84(xy[:, 0], xy[:, 1], system)
            return np.column_stack([lon, lat])

        geoms = shapely.transform(geoms, shift)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 6))
    return frame.set_geometry(gpd.GeoSeries(geoms, crs=WGS84, index=frame.index))


def _props(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str):  # popups are written with innerHTML: text must stay text
        return html.escape(value)
    return value if isinstance(value, int | float | bool) else html.escape(str(value))


def _features(frame: gpd.GeoDataFrame, fields: Sequence[str], lang: Lang) -> dict[str, Any]:
    """A compact GeoJSON FeatureCollection with readable properties."""
    frame = display_coords(frame)
    geoms = shapely.to_geojson(np.asarray(frame.geometry.values))
    cols = [f for f in fields if f in frame.columns]
    values = [frame[c].tolist() for c in cols]
    feats = []
    for i, g in enumerate(geoms):
        props = {word(c, lang) if c != "name" else ("名称" if lang == "zh" else "Name"):
                 _props(word(v, lang) if c in ("class", "status") and isinstance(v, str) else v)
                 for c, v in zip(cols, (col[i] for col in values), strict=True)}
        feats.append({"type": "Feature", "geometry": json.loads(g), "properties": props})
    return {"type": "FeatureCollection", "features": feats}


class MapBuilder:
    """Builds one Folium map: background, grouped layers, legend, summary, tools."""

    def __init__(self, ctx: Context, bounds_wgs84: Sequence[float], title: str, lang: Lang,
                 assets: AssetMode) -> None:
        self.ctx, self.lang, self.assets = ctx, lang, assets
        # served pages draw large layers from the service's vector tiles (WGS84 only:
        # overlays for GCJ-02/BD-09 backgrounds are shifted here, tiles are not)
        self.tiled = assets == "served" and get_settings().tile_coords == "wgs84"
        self.map = folium.Map(tiles=None, max_zoom=19, min_zoom=5, prefer_canvas=True,
                              control_scale=False, zoom_control=True)
        _root(self.map).header.add_child(Element(
            f"<title>{html.escape(title)}</title><link rel='icon' href='data:,'>"))
        self.legend: list[tuple[str, str, str]] = []
        self.registered: list[str] = []
        self._background(bounds_wgs84)
        if self.tiled:
            _root(self.map).html.add_child(
                folium.JavascriptLink(url("vectorgrid.js", assets)), name="vectorgrid_js")
        x0, y0, x1, y1 = bounds_wgs84
        self.map.fit_bounds([[y0, x0], [y1, x1]])
        # metres per pixel when the map opens (its extent across ~1000 px of screen)
        width_m = (x1 - x0) * 111_320.0 * max(np.cos(np.radians((y0 + y1) / 2)), 0.01)
        self.pixel_m = max(width_m, (y1 - y0) * 110_574.0) / 1000.0

    def _background(self, bounds: Sequence[float]) -> None:
        settings = get_settings()
        if settings.tile_url:
            folium.TileLayer(tiles=settings.tile_url, attr=settings.tile_attribution or " ",
                             name="tiles", max_zoom=19).add_to(self.map)
        window = tuple(round(v, 4) for v in (bounds[0] - 0.02, bounds[1] - 0.02,
                                             bounds[2] + 0.02, bounds[3] + 0.02))
        found = self.ctx.derived(("hillshade", window), lambda: _hillshade(self.ctx, window))
        if found is not None:
            image, (s, w, n, e) = found
            layer = folium.raster_layers.ImageOverlay(
                image=image, bounds=[[s, w], [n, e]], name=word("hillshade", self.lang),
                opacity=1.0, interactive=False, zindex=1)
            group = folium.FeatureGroup(name=word("hillshade", self.lang))
            layer.add_to(group)
            group.add_to(self.map)
            self._register("hillshade", group)

    def _register(self, key: str, group: folium.FeatureGroup) -> None:
        self.registered.append(key)
        _Script(f"vgis.register({self.map.get_name()}, {json.dumps(key)}, "
                f"{group.get_name()});").add_to(self.map)

    def alias(self, key: str, group: folium.FeatureGroup) -> None:
        """Register ``group`` under another name ``key`` too (one layer, two meanings)."""
        self._register(key, group)

    def group(self, key: str, label: str, show: bool = True) -> folium.FeatureGroup:
        """A named, toggleable layer group registered for tests as ``key``."""
        fg = folium.FeatureGroup(name=label, show=show)
        fg.add_to(self.map)
        self._register(key, fg)
        return fg

    def geojson(self, group: folium.FeatureGroup, frame: gpd.GeoDataFrame,
                style_: dict[str, Any], fields: Sequence[str] = ("name", "class", "status"),
                point_radius: float | None = None, interactive: bool = True,
                context: bool = False) -> None:
        """Add features with one style; points become circle markers of ``point_radius`` px.

        Points are never drawn as Leaflet's default pin (a building kept as a point, for
        instance, gets a small circle). Features that are not ``interactive`` let clicks
        through to what lies below (an overlay drawn over the villages). ``context``
        layers (zones, drainage, railways, other villages' edges) are simplified to
        half a pixel of the map's opening zoom (:attr:`pixel_m`), keeping their topology.
        """
        if frame.empty:
            return
        if context and frame.crs is not None and frame.crs.is_projected:
            frame = frame.set_geometry(frame.geometry.simplify(self.pixel_m / 2))
        data = _features(frame, fields if interactive else (), self.lang)
        kwargs: dict[str, Any] = {
            "marker": folium.CircleMarker(radius=point_radius or 3.0, **style_)}
        if not interactive:
            kwargs["interactive"] = False
        props = list(data["features"][0]["properties"])
        folium.GeoJson(
            data, style_function=lambda _f, s=style_: s, **kwargs,
            popup=folium.GeoJsonPopup(fields=props) if props else None,
        ).add_to(group)

    def tiles(self, key: str, label: str, layer: str, statuses: Sequence[str],
              styles: dict[str, dict[str, Any]], style_: dict[str, Any],
              fields: Sequence[str] = ("name", "class", "status"), hide: Sequence[str] = (),
              ids: Sequence[tuple[str, Sequence[int]]] = ()) -> folium.FeatureGroup:
        """A layer drawn from ``/tiles/{layer}`` of this area (served pages only).

        ``styles`` by class (``style_`` for the rest), classes in ``hide`` not drawn,
        the features whose ids are listed in ``ids`` in that colour; a click opens a
        popup with ``fields`` (planned features are drawn dashed and unfilled).
        """
        from urllib.parse import quote

        spec = layer_spec(layer)
        words = {v: word(v, self.lang) for f in spec.fields for v in f.choices}
        words.update({v: word(v, self.lang) for v in STATUSES})
        labels = [[f, "名称" if f == "name" and self.lang == "zh" else
                   "Name" if f == "name" else word(f, self.lang)] for f in fields]
        url_ = (f"{TILES_URL}/{layer}/{{z}}/{{x}}/{{y}}.pbf?area={quote(self.ctx.area)}"
                f"&status={','.join(sorted(set(statuses)))}")
        opts = {"layer": layer, "styles": styles, "style": style_, "hide": list(hide),
                "ids": [[c, [int(i) for i in group]] for c, group in ids],
                "fields": labels, "words": words}
        fg = folium.FeatureGroup(name=label)
        fg.add_to(self.map)
        _Script(f"vgis.tiles({json.dumps(url_)}, {json.dumps(opts, ensure_ascii=False)})"
                f".addTo({fg.get_name()});").add_to(self.map)
        self._register(key, fg)
        return fg

    def labels(self, group: folium.FeatureGroup, points: gpd.GeoDataFrame, texts: Sequence[str],
               bold: Sequence[str] | None = None, width: int = 120) -> None:
        """Text labels at ``points`` (one per row), drawn by one script, written as text."""
        pts = display_coords(points)
        items = [[round(float(p.y), 6), round(float(p.x), 6), "" if bold is None else bold[i],
                  str(t)] for i, (p, t) in enumerate(zip(pts.geometry, texts, strict=True))]
        _Script(f"vgis.labels({group.get_name()}, {json.dumps(items, ensure_ascii=False)}, "
                f"{width});").add_to(self.map)

    def point_cloud(self, key: str, label: str, frame: gpd.GeoDataFrame, colour: str,
                    radius: float = 1.5) -> None:
        """Many points (centroids) drawn on one canvas: for layers too big for features."""
        pts = display_coords(frame.set_geometry(frame.centroid) if len(frame) else frame)
        xy = shapely.get_coordinates(np.asarray(pts.geometry.values))
        flat = np.round(xy[:, ::-1], 5).ravel().tolist()
        fg = folium.FeatureGroup(name=label)
        fg.add_to(self.map)
        _Script(f"(new vgis.PointCloud({json.dumps(flat)}, {{color: {json.dumps(colour)}, "
                f"radius: {radius}}})).addTo({fg.get_name()});").add_to(self.map)
        self._register(key, fg)

    def legend_item(self, kind: str, colour: str, label: str) -> None:
        """Add a legend entry: kind ``line``, ``fill``, ``dot`` or ``dash``."""
        self.legend.append((kind, colour, label))

    def finish(self, summary_html: str | None = None) -> folium.Map:
        """Legend, summary, layer control, tools, attribution; assets made local."""
        lang = self.lang
        rows = []
        for kind, colour, label in self.legend:
            css = {"line": f"class='line' style='border-top-color:{colour}'",
                   "dash": f"class='line' style='border-top-color:{colour};"
                           "border-top-style:dashed'",
                   "dot": f"class='dot' style='background:{colour}'",
                   "fill": f"style='background:{colour}'"}[kind]
            rows.append(f"<div><i {css}></i>{html.escape(label)}</div>")
        legend = (f"<div class='vgis-legend'><h4>{word('legend', lang)}</h4>{''.join(rows)}"
                  "</div>")
        m = self.map.get_name()
        credit = html.escape(credit_line(self.ctx.engine, self.ctx.area, lang))
        js = [f"vgis.box({m}, {json.dumps(legend)}, 'bottomleft');",
              f"vgis.measure({m}, {json.dumps({'distance': word('distance', lang), 'measure': word('measure', lang)}, ensure_ascii=False)});",  # noqa: E501
              f"vgis.fullscreen({m}, {json.dumps(word('fullscreen', lang), ensure_ascii=False)});",
              f"{m}.attributionControl.addAttribution({json.dumps(credit, ensure_ascii=False)});",
              f"L.control.scale({{imperial: false, maxWidth: 160}}).addTo({m});"]
        if summary_html:
            js.append(f"vgis.box({m}, {json.dumps(summary_html, ensure_ascii=False)}, "
                      "'topright');")
        folium.LayerControl(collapsed=False, position="topright").add_to(self.map)
        _Script("\n".join(js)).add_to(self.map)
        localize(self.map, self.assets)
        return self.map


def _hillshade(ctx: Context, window: Sequence[float]
               ) -> tuple[str, tuple[float, float, float, float]] | None:
    """The area's hillshade over ``window`` (degrees) as a PNG URI, and its S, W, N, E."""
    shade = area_hillshade(ctx.engine, ctx.area, bounds_wgs84=(window[0], window[1],
                                                               window[2], window[3]))
    if shade is None:
        return None
    corners = gpd.GeoSeries(shapely.points([shade.bounds[:2], shade.bounds[2:]]),
                            crs=shade.crs).to_crs(WGS84)
    (w, s), (e, n) = shapely.get_coordinates(corners.values)
    return shade_png(shade), (float(s), float(w), float(n), float(e))


def localize(fmap: folium.Map, assets: AssetMode) -> None:
    """Point every script and style of the map at local copies (drop what is not needed)."""
    def walk(element: Any) -> Iterable[Any]:
        yield element
        for child in getattr(element, "_children", {}).values():
            yield from walk(child)

    for element in walk(fmap):
        if hasattr(element, "default_js"):
            element.default_js = [(n, url(local, assets)) for n, _ in element.default_js
                                  if (local := FOLIUM_JS.get(n))]
        if hasattr(element, "default_css"):
            element.default_css = [(n, url(local, assets)) for n, _ in element.default_css
                                   if (local := FOLIUM_CSS.get(n))]
    root = _root(fmap)
    root.header.add_child(folium.CssLink(url("vgis.css", assets)), name="vgis_css")
    # in the body, so it runs after Leaflet (linked in the header at render time)
    root.html.add_child(folium.JavascriptLink(url("vgis.js", assets)), name="vgis_js")
    icons = {"iconUrl": url("marker-icon.png", assets),
             "iconRetinaUrl": url("marker-icon-2x.png", assets),
             "shadowUrl": url("marker-shadow.png", assets)}
    root.html.add_child(Element(
        f"<script>L.Icon.Default.mergeOptions({json.dumps(icons)});</script>"),
        name="vgis_icons")


def _root(fmap: folium.Map) -> Figure:
    return cast(Figure, fmap.get_root())


def html_of(fmap: folium.Map) -> str:
    """The page of a map as HTML text."""
    return str(fmap.get_root().render())


def features_page(title: str, features_json: str) -> str:
    """A small page that maps GeoJSON features (the HTML view of an items request)."""
    fmap = folium.Map(tiles=None, max_zoom=19, prefer_canvas=True)
    _root(fmap).header.add_child(Element(
        f"<title>{html.escape(title)}</title><link rel='icon' href='data:,'>"))
    features = json.loads(features_json)
    for feature in features:  # popups are written as HTML: every value stays text
        feature["properties"] = {k: _props(v) for k, v in (feature.get("properties") or {}
                                                            ).items() if k != "attrs"}
    collection = {"type": "FeatureCollection", "features": features}
    if collection["features"]:
        layer = folium.GeoJson(
            collection, marker=folium.CircleMarker(radius=4, color="#d95f02"),
            style_function=lambda _f: {"color": "#d95f02", "weight": 2, "fillOpacity": 0.3},
            popup=folium.GeoJsonPopup(fields=["name", "class", "status", "area"]))
        layer.add_to(fmap)
        bounds = shapely.bounds(shapely.from_geojson(json.dumps(collection)))
        fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    _Script(f"{fmap.get_name()}.attributionControl.addAttribution("
            f"{json.dumps(ATTRIBUTION, ensure_ascii=False)});").add_to(fmap)
    localize(fmap, "served")
    return html_of(fmap)


def statuses_for(include_planned: bool) -> tuple[str, ...]:
    """The statuses drawn: existing, and planned when asked."""
    return WITH_PLANNED if include_planned else EXISTING
