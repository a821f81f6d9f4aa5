"""Every script and style sheet a map needs, from this machine: never a CDN.

Leaflet 1.9.3 and MarkerCluster come from the ``xstatic-leaflet`` packages,
Leaflet.VectorGrid 1.3.0 (vector tiles of served maps) and Leaflet-Geoman 2.20.2 (the
workspace's editing: drag, draw, remove) from the npm registry; the
product's own controls (legend, measure, full screen, point clouds) from
``maps/static``. A map written to a file inlines them as ``data:`` URIs (it opens
offline, from disk or as an e-mail attachment); a page served by the API links them
under ``/static/``.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path
from typing import Literal

import xstatic.pkg.leaflet as xleaflet
import xstatic.pkg.leaflet_markercluster as xcluster

AssetMode = Literal["inline", "served"]
STATIC_URL = "/static"
TILES_URL = "/tiles"  # where served pages find vector tiles (api.tiles)
_OWN = Path(__file__).parent / "static"
# installed from the npm registry by `make env` (package.json, package-lock.json)
_NPM = Path(__file__).resolve().parent.parent / "node_modules"

# name → (directory, file, mime type)
ASSETS: dict[str, tuple[Path, str, str]] = {
    "leaflet.js": (Path(xleaflet.BASE_DIR), "leaflet.js", "text/javascript"),
    "leaflet.css": (Path(xleaflet.BASE_DIR), "leaflet.css", "text/css"),
    "markercluster.js": (Path(xcluster.BASE_DIR), "leaflet.markercluster.js", "text/javascript"),
    "MarkerCluster.css": (Path(xcluster.BASE_DIR), "MarkerCluster.css", "text/css"),
    "MarkerCluster.Default.css": (Path(xcluster.BASE_DIR), "MarkerCluster.Default.css",
                                  "text/css"),
    "vgis.js": (_OWN, "vgis.js", "text/javascript"),
    "vectorgrid.js": (_NPM / "leaflet.vectorgrid" / "dist", "Leaflet.VectorGrid.bundled.min.js",
                      "text/javascript"),
    "marker-icon.png": (Path(xleaflet.BASE_DIR) / "images", "marker-icon.png", "image/png"),
    "marker-icon-2x.png": (Path(xleaflet.BASE_DIR) / "images", "marker-icon-2x.png",
                           "image/png"),
    "marker-shadow.png": (Path(xleaflet.BASE_DIR) / "images", "marker-shadow.png", "image/png"),
    "vgis.css": (_OWN, "vgis.css", "text/css"),
    "geoman.js": (_NPM / "@geoman-io" / "leaflet-geoman-free" / "dist", "leaflet-geoman.min.js",
                  "text/javascript"),
    "geoman.css": (_NPM / "@geoman-io" / "leaflet-geoman-free" / "dist", "leaflet-geoman.css",
                   "text/css"),
    "workspace.js": (_OWN, "workspace.js", "text/javascript"),
    "workspace.css": (_OWN, "workspace.css", "text/css"),
}
# folium's asset names → ours (None: not needed, dropped)
FOLIUM_JS: dict[str, str | None] = {
    "leaflet": "leaflet.js", "markerclusterjs": "markercluster.js", "jquery": None,
    "bootstrap": None, "awesome_markers": None,
}
FOLIUM_CSS: dict[str, str | None] = {
    "leaflet_css": "leaflet.css", "markerclustercss": "MarkerCluster.css",
    "markerclusterdefaultcss": "MarkerCluster.Default.css", "bootstrap_css": None,
    "glyphicons_css": None, "awesome_markers_font_css": None, "awesome_markers_css": None,
    "awesome_rotate_css": None,
}


def asset_path(name: str) -> Path:
    """The file behind an asset name (KeyError for unknown names)."""
    directory, file, _ = ASSETS[name]
    return directory / file


def leaflet_images_dir() -> Path:
    """Leaflet's image folder (marker and layer icons), served under /static/images."""
    return Path(xleaflet.BASE_DIR) / "images"


@cache
def _inline_css(name: str) -> str:
    css = asset_path(name).read_text(encoding="utf-8")
    if name != "leaflet.css":
        return css

    def embed(match: re.Match[str]) -> str:
        image = leaflet_images_dir() / match.group(1)
        data = base64.b64encode(image.read_bytes()).decode()
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", embed, css)


@cache
def data_uri(name: str) -> str:
    """A ``data:`` URI holding the asset (CSS with its images embedded)."""
    _, _, mime = ASSETS[name]
    body = _inline_css(name).encode() if mime == "text/css" else asset_path(name).read_bytes()
    return f"data:{mime};base64,{base64.b64encode(body).decode()}"


def url(name: str, mode: AssetMode) -> str:
    """Where a page finds the asset: inlined, or under the service's /static/."""
    return data_uri(name) if mode == "inline" else f"{STATIC_URL}/{name}"
