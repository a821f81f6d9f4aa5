"""Spatial analysis over the layer store: coverage, proximity, terrain, selection."""
