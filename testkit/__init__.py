"""Development only: what the tests and the benchmark share; never imported by the product.

A real uvicorn on 127.0.0.1 (:mod:`testkit.server`), Debian's headless Chromium
(:mod:`testkit.browser`) and the PostGIS SQL engine that cross-checks the in-process
analysis (:mod:`testkit.sql`, :mod:`testkit.sqlpeer`). Not installed with the product
(``pyproject.toml`` ships ``layers``, ``gis``, ``maps`` and ``api`` only).
"""
