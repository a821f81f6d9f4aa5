"""The data checks map in a real headless Chromium: drawn, offline, popups in both languages."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from gis.checks import area_context, check_area
from maps.checks import check_map
from testkit.browser import chromium, open_map, serve_directory


def test_check_map_draws_every_finding_offline(samples: Engine, tmp_path: Path) -> None:
    ctx = area_context(samples, "helsinki")
    report = check_area(ctx)
    check_map(ctx, report, lang="en").save(str(tmp_path / "check.html"))
    with chromium() as browser, serve_directory(tmp_path) as base:
        page = open_map(browser, f"{base}/check.html", "check-map.png")
        assert page.errors == []
        assert page.foreign_requests() == []
        for f in report.findings:
            assert page.counts[f"check_{f.code}_{f.layer}"] > 0, (f.code, page.counts)
        assert page.counts["roads"] > 0
        legend = browser.execute_script("return document.querySelector('.vgis-legend').innerText")
        assert "warning" in legend
        summary = browser.execute_script(
            "return document.querySelector('.vgis-summary').innerText")
        assert "Lights off the road" in summary
        # a marker's popup gives the explanation in Chinese and in English
        lights = next(f for f in report.findings if f.code == "lights_off_road")
        props = browser.execute_script(
            "var found = null; (function walk(l) { if (found) return;"
            " if (l.feature && l.feature.geometry.type === 'Point') found = l.feature.properties;"
            " else if (l.getLayers) l.getLayers().forEach(walk); })"
            "(vgis.layers['check_lights_off_road_lights']); return found;")
        assert props["说明"] == lights.message_zh
        assert props["Explanation"] == lights.message_en
        assert props["Severity"] == "warning"
        marker = browser.execute_script(
            "var m = null; (function walk(l) { if (m) return;"
            " if (l.feature && l.feature.geometry.type === 'Point') m = l;"
            " else if (l.getLayers) l.getLayers().forEach(walk); })"
            "(vgis.layers['check_lights_off_road_lights']);"
            " m.fire('click', {latlng: m.getLatLng()}, true);"
            " return document.querySelector('.leaflet-popup-content').innerText;")
        assert "路灯" in marker
        assert "street lights" in marker
