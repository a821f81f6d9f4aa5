"""One ``Settings`` object for the whole product, read from the environment (prefix ``VGIS_``).

``DATABASE_URL`` is read without a prefix, as is conventional.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from layers.errors import VgisError


def _default_data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/vgis")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "vgis"


class Settings(BaseSettings):
    """Product settings; every field can be set as ``VGIS_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="VGIS_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "VGIS_DATABASE_URL")
    )
    data_dir: Path = Field(default_factory=_default_data_dir)
    pg_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: str | None = None
    tile_url: str | None = None
    tile_attribution: str | None = None
    tile_coords: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    organisation: str = ""
    cors_origins: list[str] = []
    max_body_bytes: int = 20 * 1024 * 1024
    analysis_timeout_s: float = 60.0
    # an atlas or another whole document over HTTP may take this long, seconds
    document_timeout_s: float = Field(default=900.0, gt=0, le=86_400, allow_inf_nan=False)
    # memory the service may keep areas' features in (gis.warm), MiB; 0 keeps none
    cache_mb: float = Field(default=1024, ge=0, le=1_000_000, allow_inf_nan=False)
    # rendered maps, sheets and vector tiles kept (gzip) by data version (api.rendered), MiB
    render_cache_mb: float = Field(default=64, ge=0, le=100_000, allow_inf_nan=False)
    language: Literal["zh", "en"] = "zh"
    # `vgis figures`: an existing Dask scheduler (tcp://host:8786) instead of a local
    # cluster, and the local cluster's worker processes (unset: the number of cores)
    dask_scheduler: str | None = None
    dask_workers: int | None = Field(default=None, ge=1, le=1024)
    # defaults of the analyses where the planner's office wants its own (unset: the
    # analysis' own default, gis.params): reach of a light, garbage service radius,
    # corridor half-width, all metres
    lights_radius_m: float | None = Field(default=None, ge=0, le=5000, allow_inf_nan=False)
    garbage_radius_m: float | None = Field(default=None, ge=0, le=5000, allow_inf_nan=False)
    corridor_distance_m: float | None = Field(default=None, ge=0, le=50_000,
                                              allow_inf_nan=False)

    @property
    def raster_dir(self) -> Path:
        """Where imported terrain models are kept as GeoTIFF files."""
        return self.data_dir / "rasters"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment).

    Raises
    ------
    VgisError
        When a variable holds a value the product cannot use; the message names it.
    """
    try:
        return Settings()
    except ValidationError as exc:
        wrong = "; ".join(f"VGIS_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                          for e in exc.errors())
        raise VgisError(f"settings: {wrong}") from None
