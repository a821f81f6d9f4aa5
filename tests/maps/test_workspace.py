"""The planning workspace in headless Chromium, on the samples, against a real uvicorn.

The afternoon of the mission, step 4: open the county page, pick a sample village, make
a plan, propose lights, accept them, drag one far away (the lit share falls), undo (it
returns exactly) and fetch the sheet as PDF. Every request stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
import shapely
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from sqlalchemy import Engine

from gis.context import Context
from testkit.browser import ARTIFACTS, chromium, open_map
from testkit.server import uvicorn_server

KEY = "workspace-key"
VILLAGE = "Rudolfshof"  # a sample village with synthetic surveyed lights


@pytest.fixture(scope="module")
def base(samples: Engine) -> Iterator[str]:
    with uvicorn_server(workers=1, extra_env={"VGIS_API_KEY": KEY}) as url:
        yield url


def _wait(driver: Any, script: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "workspace-timeout.png"))
    status = driver.execute_script(
        "var s = document.getElementById('vgis-status'); return s && s.textContent;")
    raise AssertionError(f"timed out waiting for: {script} (status: {status!r})")


def _state(driver: Any) -> dict[str, Any]:
    return dict(driver.execute_script("return window.vgisWorkspaceState;"))


def _far_from_roads(samples: Engine, name: str) -> tuple[float, float]:
    """A point of the village farthest from every road (lon, lat)."""
    ctx = Context.load(samples, "lauf", name)
    polygon = ctx.villages.geometry.iloc[0]
    roads = shapely.union_all(ctx.layer("roads", margin_m=200).geometry.to_numpy())
    x0, y0, x1, y1 = polygon.bounds
    grid = shapely.points(*np.meshgrid(np.linspace(x0, x1, 40), np.linspace(y0, y1, 40)))
    inside = grid.ravel()[shapely.contains(polygon, grid.ravel())]
    best = inside[int(np.argmax(shapely.distance(inside, roads)))]
    lon, lat = ctx.villages.set_geometry([best], crs=ctx.epsg).to_crs(4326).geometry.iloc[0].xy
    return float(lon[0]), float(lat[0])


def test_county_page_lists_every_village(base: str) -> None:
    with chromium() as driver:
        driver.get(f"{base}/workspace?area=lauf")
        assert _wait(driver, "return window.vgisCountyRows;") == 9
        rows = driver.find_elements(By.CSS_SELECTOR, "#vgis-villages tbody tr")
        assert len(rows) == 9
        first = rows[0].find_elements(By.TAG_NAME, "td")[1].text
        driver.find_element(By.CSS_SELECTOR, "th[data-key='lit_share']").click()  # descending
        top = driver.find_elements(By.CSS_SELECTOR, "#vgis-villages tbody tr")[0]
        assert top.find_elements(By.TAG_NAME, "td")[1].text != first
        time.sleep(1.5)  # the overview map in its frame
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "workspace-county.png"))
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []


def test_plan_loop_in_the_browser(base: str, samples: Engine) -> None:
    villages = httpx.get(f"{base}/villages", params={"area": "lauf"}).json()
    vid = next(v["id"] for v in villages if v["name"] == VILLAGE)
    with chromium() as driver:
        report = open_map(driver, f"{base}/workspace/villages/{vid}?view=lights&lang=en",
                          "workspace-village.png")
        assert report.errors == []
        assert report.foreign_requests() == []
        assert driver.find_element(By.ID, "vgis-readonly").is_displayed()  # no key: read-only
        driver.find_element(By.ID, "vgis-key").send_keys(KEY)
        driver.find_element(By.ID, "vgis-key-save").click()
        name = _wait(driver, "return document.getElementById('vgis-plan-name');")
        name.send_keys("Rudolfshof 2027")
        driver.find_element(By.ID, "vgis-plan-create").click()
        _wait(driver, "return location.pathname.endsWith('/edit') && window.vgisWorkspaceState"
                      " && window.vgisWorkspaceState.version === 1;")
        before = _state(driver)["figures"]["lights"]["before"]["lit_share"]

        driver.find_element(By.ID, "vgis-propose-lights").click()
        _wait(driver, "return window.vgisWorkspaceState.version === 2 && "
                      "window.vgisWorkspaceState.features > 0;")
        proposed = _state(driver)
        lit = proposed["figures"]["lights"]["after"]["lit_share"]
        assert lit > before
        assert proposed["features"] == proposed["figures"]["lights"]["after"]["lights"] - \
            proposed["figures"]["lights"]["before"]["lights"]

        # drag one proposed light to the village's spot farthest from any road
        lon, lat = _far_from_roads(samples, VILLAGE)
        marker = driver.find_elements(By.CSS_SELECTOR, ".vgis-planned-lights")[0]
        dx, dy = driver.execute_script(
            "var m = window.vgisWorkspaceApp.map, el = arguments[0];"
            "var r = el.getBoundingClientRect(), c = m.getContainer().getBoundingClientRect();"
            "var p = m.latLngToContainerPoint([arguments[2], arguments[1]]);"
            "return [p.x + c.left - (r.left + r.width / 2), p.y + c.top - (r.top + r.height / 2)];",
            marker, lon, lat)
        ActionChains(driver).click_and_hold(marker).move_by_offset(dx / 2, dy / 2) \
            .move_by_offset(dx - dx / 2, dy - dy / 2).release().perform()
        _wait(driver, "return window.vgisWorkspaceState.version === 3;")
        moved = _state(driver)
        assert moved["figures"]["lights"]["after"]["lit_share"] < lit
        edit_ms = moved["lastEditMs"]

        driver.find_element(By.ID, "vgis-undo").click()
        _wait(driver, "return window.vgisWorkspaceState.version === 4;")
        assert _state(driver)["figures"] == proposed["figures"]  # exactly as before the drag
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "workspace-plan.png"))

        href = driver.find_element(By.ID, "vgis-pdf").get_attribute("href")
        head = driver.execute_async_script(
            "var done = arguments[1]; fetch(arguments[0]).then(function (r) {"
            " return r.arrayBuffer().then(function (b) { done([r.status,"
            " r.headers.get('content-type'), String.fromCharCode.apply(null,"
            " new Uint8Array(b.slice(0, 4)))]); }); });", href)
        assert head == [200, "application/pdf", "%PDF"]
        # delete mode: a click on a proposed light removes it from the plan
        driver.find_element(By.ID, "vgis-remove").click()
        top = driver.execute_script(  # a light not covered by its neighbours
            "return Array.from(document.querySelectorAll('.vgis-planned-lights')).find("
            "function (el) { var r = el.getBoundingClientRect();"
            " return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)"
            " === el; });")
        top.click()
        _wait(driver, "return window.vgisWorkspaceState.version === 5 && "
                      f"window.vgisWorkspaceState.features === {proposed['features'] - 1};")
        assert _state(driver)["figures"]["lights"]["after"]["lights"] == \
            proposed["figures"]["lights"]["after"]["lights"] - 1
        driver.find_element(By.ID, "vgis-remove").click()  # leave delete mode

        # a variant, compared with the plan it was copied from
        driver.find_element(By.ID, "vgis-copy").click()
        _wait(driver, "return window.vgisWorkspaceState && window.vgisWorkspaceState.version"
                      " === 1 && location.pathname.endsWith('/edit');")
        _wait(driver, "return document.querySelectorAll('#vgis-compare-with option').length;")
        driver.find_element(By.ID, "vgis-compare").click()
        table = _wait(driver, "return document.getElementById('vgis-compare-table');")
        assert "Rudolfshof 2027" in table.text
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
    print(f"\nedit to new figures (drag, PATCH, panel updated): {edit_ms:.0f} ms; "
          f"lit share {before:.3f} -> {lit:.3f} -> "
          f"{moved['figures']['lights']['after']['lit_share']:.3f} -> undo {lit:.3f}")
    (ARTIFACTS / "workspace-timing.json").write_text(json.dumps({"edit_ms": edit_ms}))


def test_names_from_the_data_cannot_close_the_script() -> None:
    from maps.workspace import script_json

    text = script_json({"village": "</script><script>alert(1)</script><!--", "x": "\u2028"})
    assert "<" not in text
    assert ">" not in text
    assert "\u2028" not in text
    assert json.loads(text)["village"].startswith("</script>")
