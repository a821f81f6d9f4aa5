"""Data in and out of the store: OSM extracts, planners' files, terrain models, surveys, exports.

Every importer reads and checks everything first, then writes through
:func:`layers.store.replace_source` in one transaction.
"""
