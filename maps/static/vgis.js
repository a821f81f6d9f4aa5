/* vgis map helpers: legend and summary boxes, measure tool, full screen, point clouds,
   layers from the service's vector tiles. Nothing from the network but the service:
   plain Leaflet 1.9 and Leaflet.VectorGrid. */
(function () {
  "use strict";
  var vgis = (window.vgis = window.vgis || { layers: {}, map: null });

  vgis.register = function (map, name, layer) {
    vgis.map = map;
    vgis.layers[name] = layer;
  };

  vgis.count = function (name) {
    var layer = vgis.layers[name];
    if (!layer) return -1;
    var n = 0;
    (function walk(l) {
      if (l.vgisCount !== undefined) n += l.vgisCount;
      else if (l.getLayers) l.getLayers().forEach(walk);
      else n += 1;
    })(layer);
    return n;
  };

  vgis.box = function (map, html, position) {
    var Box = L.Control.extend({
      options: { position: position || "bottomright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "vgis-box");
        div.innerHTML = html;
        L.DomEvent.disableClickPropagation(div);
        return div;
      },
    });
    new Box().addTo(map);
  };

  /* A square map button (top left) showing an SVG path; onClick gets the button. */
  function button(map, path, width, title, onClick) {
    var Ctl = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var a = L.DomUtil.create("a", "vgis-button leaflet-bar");
        a.innerHTML = '<svg width="18" height="18" viewBox="0 0 18 18" style="margin-top:6px">' +
          '<path d="' + path + '" stroke="#333" stroke-width="' + width + '" fill="none"/></svg>';
        a.title = title;
        L.DomEvent.on(a, "click", function (ev) { L.DomEvent.stop(ev); onClick(a); });
        return a;
      },
    });
    new Ctl().addTo(map);
  }

  /* Measure distances: click points, double-click (or press the button again) to stop. */
  vgis.measure = function (map, labels) {
    var active = false, points = [], line = null, tip = null;
    function total() {
      var d = 0;
      for (var i = 1; i < points.length; i++) d += map.distance(points[i - 1], points[i]);
      return d;
    }
    function fmt(m) { return m >= 1000 ? (m / 1000).toFixed(2) + " km" : m.toFixed(0) + " m"; }
    function reset() {
      points = [];
      if (line) { map.removeLayer(line); line = null; }
      if (tip) { map.removeLayer(tip); tip = null; }
    }
    function onClick(e) {
      points.push(e.latlng);
      if (!line) line = L.polyline(points, { color: "#d7191c", dashArray: "6 4", weight: 2 }).addTo(map);
      else line.setLatLngs(points);
      if (tip) map.removeLayer(tip);
      tip = L.tooltip({ permanent: true, direction: "right" })
        .setLatLng(e.latlng).setContent(labels.distance + ": " + fmt(total())).addTo(map);
    }
    button(map, "M2 9h14M2 6v6M16 6v6M6 8v2M10 8v2", 1.6, labels.measure, function (a) {
      active = !active;
      a.classList.toggle("active", active);
      if (active) { reset(); map.on("click", onClick); map.doubleClickZoom.disable(); }
      else { map.off("click", onClick); map.doubleClickZoom.enable(); }
    });
    vgis.measureTotal = total;
  };

  vgis.fullscreen = function (map, label) {
    button(map, "M2 7V2h5M11 2h5v5M16 11v5h-5M7 16H2v-5", 1.8, label, function () {
      var el = map.getContainer();
      if (document.fullscreenElement) document.exitFullscreen();
      else if (el.requestFullscreen) el.requestFullscreen();
    });
    map.getContainer().addEventListener("fullscreenchange", function () { map.invalidateSize(); });
  };

  /* Leaflet 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3.0 calls on a click. */
  if (!L.DomEvent.fakeStop) L.DomEvent.fakeStop = function (e) { e._stopped = true; return this; };

  /* A layer drawn from the service's vector tiles (/tiles/...; Leaflet.VectorGrid).
     opts: layer (the tile's layer name), styles {class: style}, style (the others'),
     hide [classes not drawn], ids [[colour, [feature ids]], ...] (colour those),
     fields [[property, label], ...] (the popup), words {value: label}.
     Counts the distinct features drawn in vgisCount (for tests). */
  vgis.tiles = function (url, opts) {
    var byId = {}, seen = {}, n = 0, hide = {};
    (opts.ids || []).forEach(function (pair) {
      pair[1].forEach(function (id) { byId[id] = pair[0]; });
    });
    (opts.hide || []).forEach(function (c) { hide[c] = true; });
    var styles = {};
    styles[opts.layer] = function (props) {
      if (hide[props["class"]]) return [];
      var s = L.extend({}, opts.styles[props["class"]] || opts.style);
      var colour = byId[props.id];
      if (colour) { s.fillColor = colour; s.color = colour; }
      if (props.status === "planned") { s.dashArray = "4 3"; s.fillOpacity = 0; }
      if (!seen[props.id]) { seen[props.id] = true; n += 1; }
      return s;
    };
    var layer = L.vectorGrid.protobuf(url, {
      vectorTileLayerStyles: styles, interactive: true, maxNativeZoom: 18,
      rendererFactory: L.canvas.tile, getFeatureId: function (f) { return f.properties.id; },
    });
    Object.defineProperty(layer, "vgisCount", { get: function () { return n; } });
    layer.on("click", function (e) {
      var div = document.createElement("div"), table = document.createElement("table");
      (opts.fields || []).forEach(function (f) {
        var v = e.layer.properties[f[0]];
        if (v === undefined || v === null || v === "") return;
        var tr = table.insertRow(), th = document.createElement("th"), td = tr.insertCell();
        th.textContent = f[1];
        tr.insertBefore(th, td);
        td.textContent = (opts.words && opts.words[v]) || String(v);
      });
      div.appendChild(table);
      L.popup().setLatLng(e.latlng).setContent(div).openOn(layer._map);
    });
    return layer;
  };

  /* Text labels at points, one marker each: [[lat, lon, bold, text], ...]; written as text. */
  vgis.labels = function (group, items, width) {
    items.forEach(function (it) {
      var div = document.createElement("div"), b = document.createElement("b");
      div.className = "vgis-label";
      if (it[2]) { b.textContent = it[2]; div.appendChild(b); div.appendChild(document.createTextNode(" ")); }
      div.appendChild(document.createTextNode(it[3]));
      L.marker([it[0], it[1]], {
        interactive: false,
        icon: L.divIcon({ html: div, className: "vgis-label", iconSize: [width, 16],
                          iconAnchor: [width / 2, 8] }),
      }).addTo(group);
    });
  };

  /* Many points drawn in one pass on a canvas: flat [lat0, lon0, lat1, lon1, ...]. */
  vgis.PointCloud = L.Layer.extend({
    initialize: function (coords, options) {
      this._coords = coords;
      this.vgisCount = coords.length / 2;
      L.setOptions(this, options);
    },
    onAdd: function (map) {
      this._map = map;
      this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide");
      this._canvas.style.pointerEvents = "none";
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._redraw, this);
      this._redraw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize", this._redraw, this);
      L.DomUtil.remove(this._canvas);
    },
    _redraw: function () {
      var map = this._map, size = map.getSize(), c = this._canvas;
      var topLeft = map.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(c, topLeft);
      c.width = size.x; c.height = size.y;
      var ctx = c.getContext("2d"), r = this.options.radius || 2;
      ctx.fillStyle = this.options.color || "#555";
      var xy = this._coords, b = map.getBounds().pad(0.05);
      for (var i = 0; i < xy.length; i += 2) {
        var lat = xy[i], lon = xy[i + 1];
        if (lat < b._southWest.lat || lat > b._northEast.lat || lon < b._southWest.lng || lon > b._northEast.lng) continue;
        var p = map.latLngToContainerPoint([lat, lon]);
        ctx.fillRect(p.x - r, p.y - r, 2 * r, 2 * r);
      }
    },
  });
})();
