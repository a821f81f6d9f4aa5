# vgis: one command to run, one to test (see README).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VGIS_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test lint bench system env clean stop

system:
	bash scripts/setup-system.sh

$(BIN)/vgis: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(BIN)/vgis

# front-end packages from the npm registry, served by the service itself (maps.assets)
NODE_ASSETS := node_modules/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js \
	node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js
$(NODE_ASSETS) &: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NODE_ASSETS)

env: system $(BIN)/vgis $(NODE_ASSETS)

## make run: install what is missing, start the local PostGIS, migrate, load samples, serve
run: env
	$(BIN)/vgis db up
	$(BIN)/vgis db init
	$(BIN)/vgis load samples --data-dir data
	$(BIN)/vgis serve --host 127.0.0.1 --port 8000

## make test: the same set-up, then the whole suite against a throwaway PostGIS cluster
test: env
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

## make bench: synthetic counties of 1k-1M buildings, both engines timed; the warm service against SQL (BENCH_ARGS="--sizes 1000 10000"); a province of 100k-3M buildings on Dask with 1 and 2 workers
bench: env
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.service
	$(BIN)/python -m bench.region
	$(BIN)/python -m bench.served
	$(BIN)/python -m bench.plans
	$(BIN)/python -m bench.viewshed
	$(BIN)/python -m bench.province

lint: env
	$(BIN)/ruff check .
	$(BIN)/mypy

stop:
	-$(BIN)/vgis db down

clean: stop
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache *.egg-info
