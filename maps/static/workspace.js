/* vgis planning workspace: the side panel of a village map, and a plan's features edited
 * with Leaflet-Geoman (drag, draw, remove). Every number shown comes from the API's
 * answer to the edit (/plans/{id}/...); nothing is computed here. Writes send the API
 * key (kept in this tab's sessionStorage) and If-Match: the plan's version. */
(function () {
  "use strict";
  if (window.L && L.PM) { L.PM.setOptIn(true); }  // only the plan's own features are editable

  var KEY = "vgis-api-key";
  var WORDS = {
    zh: {readOnly: "只读：输入 API 密钥后可编辑", key: "API 密钥", save: "保存", plans: "规划方案",
         newPlan: "新建规划", name: "名称", create: "创建", before: "现状", after: "规划后",
         proposeLights: "推荐路灯", proposeBins: "推荐收集点", addLight: "添加路灯",
         addBin: "添加收集点", remove: "删除模式", undo: "撤销", compare: "比较", pdf: "导出 PDF",
         gpkg: "导出 GeoPackage", copy: "另存为方案", open: "打开", version: "版本",
         lights: "路灯", garbage: "垃圾收集", county: "全县总览", none: "（无）",
         conflict: "方案已被他人修改，已重新载入", moved: "已更新"},
    en: {readOnly: "Read-only: enter an API key to edit", key: "API key", save: "Save",
         plans: "Plans", newPlan: "New plan", name: "Name", create: "Create",
         before: "before", after: "after", proposeLights: "Propose lights",
         proposeBins: "Propose bins", addLight: "Add light", addBin: "Add bin",
         remove: "Delete mode", undo: "Undo", compare: "Compare", pdf: "Sheet (PDF)",
         gpkg: "GeoPackage", copy: "Copy as variant", open: "open", version: "version",
         lights: "Lights", garbage: "Garbage", county: "County overview", none: "(none)",
         conflict: "The plan changed meanwhile: reloaded", moved: "updated"}
  };
  var FIGURES = [["lights", "lit_share", "%"], ["lights", "lights", ""],
                 ["garbage", "served_share", "%"], ["garbage", "points", ""]];

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { e.textContent = attrs[k]; } else if (k === "on") {
        Object.keys(attrs.on).forEach(function (ev) { e.addEventListener(ev, attrs.on[ev]); });
      } else { e.setAttribute(k, attrs[k]); }
    });
    (kids || []).forEach(function (c) { if (c) { e.appendChild(c); } });
    return e;
  }

  function fmt(v, unit) {
    if (v === null || v === undefined) { return "–"; }
    return unit === "%" ? (100 * v).toFixed(1) + " %" : String(Math.round(v * 100) / 100);
  }

  function Workspace(map, cfg) {
    if (!map.pm) { map.pm = new L.PM.Map(map); map.pm.setGlobalOptions({}); }  // opted in
    this.map = map;
    this.cfg = cfg;
    this.w = WORDS[cfg.lang] || WORDS.en;
    this.key = sessionStorage.getItem(KEY) || "";
    this.plan = null;
    this.layer = L.featureGroup().addTo(map);
    this.panel = document.getElementById("vgis-panel");
    window.vgisWorkspaceState = {edits: 0, lastEditMs: null, version: null, figures: null};
    this.render();
    if (cfg.plan) { this.load(); } else { this.village(); }
    var self = this;
    map.on("pm:create", function (e) { self.created(e.layer, e.shape); });
  }

  Workspace.prototype.api = function (method, path, body) {
    var headers = {"Accept": "application/json"};
    if (method !== "GET") { headers["X-API-Key"] = this.key; }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (this.plan && method !== "GET" && path.indexOf("/plans/" + this.plan.id) === 0) {
      headers["If-Match"] = '"' + this.plan.version + '"';
    }
    return fetch(path, {method: method, headers: headers,
                        body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.json().then(function (data) {
          if (!r.ok) { var err = new Error(data.detail || r.statusText); err.status = r.status; throw err; }
          return data;
        });
      });
  };

  Workspace.prototype.say = function (text, bad) {
    var s = document.getElementById("vgis-status");
    if (s) { s.textContent = text; s.className = bad ? "bad" : ""; }
  };

  Workspace.prototype.render = function () {
    var w = this.w, self = this, p = this.panel;
    p.innerHTML = "";
    var title = this.plan ? this.plan.name + " · " + w.version + " " + this.plan.version
                          : this.cfg.village;
    p.appendChild(el("h2", {text: title}));
    p.appendChild(el("p", {}, [el("a", {href: "/workspace?area=" + encodeURIComponent(this.cfg.area),
                                        text: "← " + w.county + " (" + this.cfg.area + ")"})]));
    var keyBox = el("input", {type: "password", id: "vgis-key", placeholder: w.key});
    keyBox.value = this.key;
    p.appendChild(el("div", {"class": "row"}, [keyBox, el("button", {id: "vgis-key-save", text: w.save,
      on: {click: function () {
        self.key = keyBox.value.trim(); sessionStorage.setItem(KEY, self.key);
        if (self.plan) { self.load(); } else { self.render(); self.village(); }
      }}})]));
    if (!this.key) { p.appendChild(el("p", {"class": "readonly", id: "vgis-readonly", text: w.readOnly})); }
    p.appendChild(el("div", {id: "vgis-figures"}));
    p.appendChild(el("p", {id: "vgis-status"}));
    if (this.plan) { this.renderPlan(); } else { p.appendChild(el("div", {id: "vgis-plans"})); }
  };

  Workspace.prototype.figures = function (figures, label) {
    var w = this.w, box = document.getElementById("vgis-figures");
    box.innerHTML = "";
    var t = el("table", {id: label || "vgis-before-after"});
    t.appendChild(el("tr", {}, [el("th", {text: ""}), el("th", {text: w.before}), el("th", {text: w.after})]));
    FIGURES.forEach(function (f) {
      var ba = figures[f[0]];
      if (!ba) { return; }
      t.appendChild(el("tr", {"data-figure": f[0] + "." + f[1]}, [
        el("td", {text: w[f[0]] + " · " + f[1]}),
        el("td", {"class": "before", text: fmt(ba.before[f[1]], f[2])}),
        el("td", {"class": "after", text: fmt(ba.after[f[1]], f[2])})]));
    });
    box.appendChild(t);
  };

  /* no plan yet: the village's figures and plans, and a form for a new plan */
  Workspace.prototype.village = function () {
    var self = this, w = this.w, vid = this.cfg.village_id;
    Promise.all([this.api("GET", "/villages/" + vid + "/coverage/lights"),
                 this.api("GET", "/villages/" + vid + "/coverage/garbage")]).then(function (r) {
      self.figures({lights: {before: r[0], after: r[0]}, garbage: {before: r[1], after: r[1]}});
    });
    this.api("GET", "/plans?area=" + encodeURIComponent(this.cfg.area)).then(function (plans) {
      var box = document.getElementById("vgis-plans");
      box.appendChild(el("h3", {text: w.plans}));
      var ul = el("ul", {id: "vgis-plan-list"});
      // by name too: a plan keeps its village's name when the villages are reloaded
      plans.filter(function (p) { return p.village_id === vid || p.village === self.cfg.village; }).forEach(function (p) {
        ul.appendChild(el("li", {}, [el("a", {href: "/plans/" + p.id + "/edit?view=" + self.cfg.view,
          text: p.name + " (v" + p.version + ", " + p.author + ")"})]));
      });
      if (!ul.children.length) { ul.appendChild(el("li", {text: w.none})); }
      box.appendChild(ul);
      if (!self.key) { return; }
      var name = el("input", {id: "vgis-plan-name", placeholder: w.name});
      box.appendChild(el("h3", {text: w.newPlan}));
      box.appendChild(el("div", {"class": "row"}, [name, el("button", {id: "vgis-plan-create", text: w.create,
        on: {click: function () {
          self.api("POST", "/plans", {area: self.cfg.area, village_id: vid, name: name.value || "规划"})
            .then(function (p) { window.location = "/plans/" + p.id + "/edit?view=" + self.cfg.view; })
            .catch(function (e) { self.say(e.message, true); });
        }}})]));
    });
  };

  Workspace.prototype.renderPlan = function () {
    var self = this, w = this.w, p = this.panel, id = this.plan.id, view = this.cfg.view;
    var edit = !!this.key;
    function button(idName, text, fn) {
      var b = el("button", {id: idName, text: text, on: {click: fn}});
      if (!edit) { b.disabled = true; }
      return b;
    }
    p.appendChild(el("div", {"class": "tools"}, [
      button("vgis-propose-lights", w.proposeLights, function () { self.edit("POST", "/plans/" + id + "/proposals/lights"); }),
      button("vgis-propose-garbage", w.proposeBins, function () { self.edit("POST", "/plans/" + id + "/proposals/garbage"); }),
      button("vgis-add-light", w.addLight, function () { self.draw("lights"); }),
      button("vgis-add-bin", w.addBin, function () { self.draw("garbage"); }),
      button("vgis-remove", w.remove, function () { self.map.pm.toggleGlobalRemovalMode(); }),
      button("vgis-undo", w.undo, function () { self.edit("POST", "/plans/" + id + "/undo"); }),
      button("vgis-copy", w.copy, function () {
        self.api("POST", "/plans/" + id + "/copy", {}).then(function (c) {
          window.location = "/plans/" + c.id + "/edit?view=" + view; });
      })]));
    var other = el("select", {id: "vgis-compare-with"});
    p.appendChild(el("div", {"class": "row"}, [other, el("button", {id: "vgis-compare", text: w.compare,
      on: {click: function () { self.compare(other.value); }}})]));
    this.api("GET", "/plans?area=" + encodeURIComponent(this.cfg.area)).then(function (plans) {
      plans.filter(function (q) { return q.id !== id && q.village === self.plan.village; })
        .forEach(function (q) { other.appendChild(el("option", {value: q.id, text: q.name + " (v" + q.version + ")"})); });
    });
    p.appendChild(el("div", {id: "vgis-compared"}));
    p.appendChild(el("p", {}, [
      el("a", {id: "vgis-pdf", href: "/plans/" + id + "/figure.pdf?view=" + view, text: w.pdf}),
      document.createTextNode(" · "),
      el("a", {id: "vgis-gpkg", href: "/plans/" + id + "/features.gpkg", text: w.gpkg})]));
  };

  Workspace.prototype.load = function () {
    var self = this;
    return this.api("GET", "/plans/" + this.cfg.plan).then(function (plan) {
      self.plan = plan;
      self.render();
      self.figures(plan.figures);
      self.features(plan.features);
      window.vgisWorkspaceState.version = plan.version;
      window.vgisWorkspaceState.figures = plan.figures;
    }).catch(function (e) { self.say(e.message, true); });
  };

  /* the plan's features as editable markers: drag to move, removal mode to delete */
  Workspace.prototype.features = function (collection) {
    var self = this;
    this.layer.clearLayers();
    collection.features.forEach(function (f) {
      if (f.geometry.type !== "Point") {
        L.geoJSON(f, {pmIgnore: true, style: {color: "#e6550d", weight: 3}}).addTo(self.layer);
        return;
      }
      var c = f.geometry.coordinates, layer = f.properties.layer;
      var m = L.marker([c[1], c[0]], {pmIgnore: !self.key, icon: L.divIcon({
        className: "vgis-planned vgis-planned-" + layer, iconSize: [14, 14]})});
      m.feature = f;
      m.bindTooltip((layer === "lights" ? self.w.lights : self.w.garbage) + " #" + f.id);
      m.addTo(self.layer);
      if (self.key) {
        m.pm.enableLayerDrag();
        m.on("pm:dragend", function () {
          var ll = m.getLatLng();
          self.edit("PATCH", "/plans/" + self.plan.id + "/features/" + f.id,
                    {geometry: {type: "Point", coordinates: [ll.lng, ll.lat]}});
        });
        m.on("pm:remove", function () {
          self.edit("DELETE", "/plans/" + self.plan.id + "/features/" + f.id);
        });
      }
    });
    window.vgisWorkspaceState.features = collection.features.length;
  };

  Workspace.prototype.draw = function (layer) {
    if (!layer) { return; }
    this.drawing = layer;
    this.map.pm.enableDraw("Marker", {continueDrawing: false, markerStyle: {icon: L.divIcon({
      className: "vgis-planned vgis-planned-" + layer, iconSize: [14, 14]})}});
  };

  Workspace.prototype.created = function (layer, shape) {
    if (shape !== "Marker" || !this.drawing) { return; }
    var ll = layer.getLatLng(), kind = this.drawing;
    this.map.removeLayer(layer);
    this.drawing = null;
    var props = kind === "lights" ? {layer: "lights", "class": "solar"} : {layer: "garbage", "class": "collection_point"};
    this.edit("POST", "/plans/" + this.plan.id + "/features",
              {type: "Feature", properties: props, geometry: {type: "Point", coordinates: [ll.lng, ll.lat]}});
  };

  /* one edit: send it, show the answer's figures, redraw the features */
  Workspace.prototype.edit = function (method, path, body) {
    var self = this, t0 = performance.now();
    this.say("…");
    return this.api(method, path, body).then(function (answer) {
      self.plan.version = answer.version;
      self.figures(answer.figures);
      var ms = performance.now() - t0;
      var state = window.vgisWorkspaceState;
      state.edits += 1; state.lastEditMs = ms; state.version = answer.version; state.figures = answer.figures;
      self.say(self.w.moved + " (" + Math.round(ms) + " ms)" + (answer.added !== undefined ? " +" + answer.added : ""));
      document.querySelector("#vgis-panel h2").textContent = self.plan.name + " · " + self.w.version + " " + answer.version;
      return self.api("GET", "/plans/" + self.plan.id).then(function (plan) {
        self.plan = plan; self.features(plan.features);
      });
    }).catch(function (e) {
      if (e.status === 409) { self.say(self.w.conflict, true); return self.load(); }
      self.say(e.message, true);
      return self.load();
    });
  };

  Workspace.prototype.compare = function (other) {
    var self = this;
    if (!other) { return; }
    this.api("GET", "/plans/compare?a=" + this.plan.id + "&b=" + other).then(function (c) {
      var box = document.getElementById("vgis-compared");
      box.innerHTML = "";
      var t = el("table", {id: "vgis-compare-table"});
      t.appendChild(el("tr", {}, [el("th", {text: ""}), el("th", {text: c.a.name}),
                                  el("th", {text: c.b.name}), el("th", {text: "b − a"})]));
      FIGURES.forEach(function (f) {
        var fa = c.figures[f[0]] && c.figures[f[0]].a.after, fb = c.figures[f[0]] && c.figures[f[0]].b.after;
        if (!fa || !fb) { return; }
        t.appendChild(el("tr", {}, [el("td", {text: self.w[f[0]] + " · " + f[1]}),
          el("td", {text: fmt(fa[f[1]], f[2])}), el("td", {text: fmt(fb[f[1]], f[2])}),
          el("td", {text: fmt(c.difference[f[0]][f[1]], f[2])})]));
      });
      box.appendChild(t);
    }).catch(function (e) { self.say(e.message, true); });
  };

  window.vgisWorkspace = function (map, cfg) { window.vgisWorkspaceApp = new Workspace(map, cfg); };

  /* the county page: every village's lighting and garbage figures, sortable by any column */
  window.vgisCounty = function (cfg) {
    var body = document.querySelector("#vgis-villages tbody"), rows = [], sortKey = "lit_share", asc = true;
    function show() {
      rows.sort(function (a, b) {
        var x = a[sortKey], y = b[sortKey];
        if (x === null || x === undefined) { return 1; }
        if (y === null || y === undefined) { return -1; }
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      body.innerHTML = "";
      rows.forEach(function (r) {
        body.appendChild(el("tr", {"data-village": r.village_id}, [
          el("td", {}, [el("a", {href: "/workspace/villages/" + r.village_id + "?view=lights", text: r.village})]),
          el("td", {text: fmt(r.lit_share, "%")}), el("td", {text: String(r.lights)}),
          el("td", {text: fmt(r.served_share, "%")}), el("td", {text: String(r.households)})]));
      });
    }
    document.querySelectorAll("#vgis-villages th[data-key]").forEach(function (th) {
      th.addEventListener("click", function () {
        var k = th.getAttribute("data-key");
        asc = k === sortKey ? !asc : true; sortKey = k; show();
      });
    });
    var a = encodeURIComponent(cfg.area);
    Promise.all([fetch("/analysis/coverage/lights?area=" + a).then(function (r) { return r.json(); }),
                 fetch("/analysis/coverage/garbage?area=" + a).then(function (r) { return r.json(); })])
      .then(function (r) {
        var served = {};
        r[1].forEach(function (g) { served[g.village_id] = g; });
        rows = r[0].map(function (l) {
          var g = served[l.village_id] || {};
          return {village_id: l.village_id, village: l.village, lit_share: l.lit_share,
                  lights: l.lights, served_share: g.served_share, households: g.households};
        });
        show();
        window.vgisCountyRows = rows.length;
      });
  };
})();
