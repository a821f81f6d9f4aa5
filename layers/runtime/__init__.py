"""Process machinery under everything: settings, the local PostGIS cluster, the engine."""
