"""A real headless Chromium (Debian package) driven by Selenium, and a 127.0.0.1 file server."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@dataclass
class PageReport:
    """What a page did: JS errors, every network request, counts of drawn features."""

    errors: list[str]
    requests: list[str]
    counts: dict[str, int]
    load_s: float

    def foreign_requests(self) -> list[str]:
        """Requests that left the machine (anything but 127.0.0.1, data: and the page's file)."""
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about", "chrome", "file", "devtools"):
                continue
            if parsed.hostname not in ("127.0.0.1", "localhost"):
                out.append(url)
        return out


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    """Headless Chromium with a fresh profile, no background networking."""
    profile = tempfile.mkdtemp(prefix="vgis-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1400,900"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def serve_directory(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration of the block."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def open_map(driver: webdriver.Chrome, url: str, screenshot: str, wait_s: float = 1.0
             ) -> PageReport:
    """Open a map page, wait for it to draw, and report errors, requests and counts."""
    driver.get_log("performance")  # drop what came before
    driver.get_log("browser")
    start = time.monotonic()
    driver.get(url)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not driver.execute_script(
            "return !!(window.vgis && window.vgis.map && document.readyState === 'complete')"):
        time.sleep(0.05)
    load_s = time.monotonic() - start
    time.sleep(wait_s)
    counts = driver.execute_script(
        "var o = {}; Object.keys(vgis.layers).forEach(function (k) { o[k] = vgis.count(k); });"
        "return o;")
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / screenshot))
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    return PageReport(errors, requests, counts, load_s)
