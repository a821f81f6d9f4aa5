"""The faces of the product: HTTP API and the vgis command line."""
