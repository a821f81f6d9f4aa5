"""Canonical layer schema, importers and the PostGIS store."""
