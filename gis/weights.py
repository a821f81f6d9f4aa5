"""Weights and thresholds of the candidate ranking: ``gis/weights.toml`` and a planner's own.

The plans choose demonstration villages on five criteria (地理位置、环境状况、文化底蕴、
产业发展、干群基础), each scored from indicators (:mod:`gis.indicators`). The weights of
the criteria and of the indicators within each, and the thresholds of the linear ramps
(``*_m`` planar metres in the area's metric CRS, ``*_deg`` degrees of slope), come from
``gis/weights.toml``; a planner's TOML file (or a JSON body of the same shape) may
override any of them, and is checked key by key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from gis.params import DrainageParams
from layers.errors import VgisError

CRITERIA: dict[str, str] = {
    "location": "地理位置", "environment": "环境状况", "culture": "文化底蕴",
    "industry": "产业发展", "cadre": "干群基础",
}
INDICATORS: dict[str, tuple[str, ...]] = {
    "location": ("corridor", "visibility", "county_seat", "township_seat", "agri_demo_zone"),
    "environment": ("slope", "drainage", "ecology", "scenic"),
    "culture": ("culture_score", "traditional_village"),
    "industry": ("industry_score", "collective_income", "farmland_per_household"),
    "cadre": ("cadre_score", "facilities"),
}
# each pair: (value scoring 1, value scoring 0) of a linear ramp
RAMPS: tuple[tuple[str, str], ...] = (
    ("corridor_full_m", "corridor_zero_m"), ("county_seat_full_m", "county_seat_zero_m"),
    ("township_seat_full_m", "township_seat_zero_m"), ("slope_good_deg", "slope_bad_deg"),
)
PARAMS: tuple[str, ...] = (*(k for pair in RAMPS for k in pair), "scenic_m", "drainage_offset_m")
# the keys a village's attributes may use (English, simplified and traditional Chinese)


@dataclass(frozen=True)
class Weights:
    """Weights of the criteria and of the indicators within each, and the thresholds.

    Attributes
    ----------
    criteria
        Criterion → weight (relative; 0 leaves the criterion out).
    indicators
        Criterion → indicator → weight within the criterion.
    params
        Thresholds: ``*_m`` in metres (planar, the area's metric CRS), ``*_deg`` in degrees.
    """

    criteria: dict[str, float]
    indicators: dict[str, dict[str, float]]
    params: dict[str, float]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Weights:
        """The default weights, with the keys a planner's TOML file sets merged over them.

        Raises
        ------
        VgisError
            When the file cannot be read, or names an unknown criterion, indicator or
            parameter, or gives a negative or non-numeric value, all-zero weights or a
            ramp whose 1-end is not below its 0-end; the message names the file and key.
        """
        text_ = resources.files("gis").joinpath("weights.toml").read_text(encoding="utf-8")
        weights = _merge(None, tomllib.loads(text_), "gis/weights.toml")
        if path is None:
            return weights
        path = Path(path)
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise VgisError(f"{path}: cannot read the weights file: {exc.strerror}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise VgisError(f"{path}: not a TOML file: {exc}") from exc
        return _merge(weights, table, str(path))

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], source: str = "weights") -> Weights:
        """The default weights with ``table`` (the TOML file's structure) merged over them."""
        merged = _merge(cls.load(), table, source)
        check_weights(merged, source)
        return merged


def _bad(source: str, key: str, what: str) -> VgisError:
    return VgisError(f"{source}: {key}: {what}")


def _known(name: str, allowed: Collection[str], source: str, key: str, what: str) -> None:
    if name not in allowed:
        raise _bad(source, key, f"unknown {what}; use {', '.join(allowed)}")


MAX_VALUE = 1e9
"""Largest weight or threshold accepted (metres, degrees or a relative weight)."""


def _number(value: object, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(source, key, f"must be a number, not {value!r}")
    number = float(value) if abs(value) <= MAX_VALUE else math.inf
    if not math.isfinite(number):
        raise _bad(source, key, f"must be a number up to {MAX_VALUE:g} (got {str(value)[:20]})")
    if number < 0:
        raise _bad(source, key, f"must not be negative (got {value})")
    return number


def _table(value: object, source: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(source, key, "must be a table ([...] section)")
    return value


def _merge(base: Weights | None, table: Mapping[str, Any], source: str) -> Weights:
    """``base`` with the values of a parsed TOML ``table`` over it, checked."""
    criteria = dict(base.criteria) if base else {}
    indicators = {c: dict(base.indicators[c]) for c in CRITERIA} if base else {}
    params = dict(base.params) if base else {}
    for section, value in table.items():
        if section == "criteria":
            for name, w in _table(value, source, section).items():
                _known(name, CRITERIA, source, f"criteria.{name}", "criterion")
                criteria[name] = _number(w, source, f"criteria.{name}")
        elif section == "indicators":
            for crit, inner in _table(value, source, section).items():
                _known(crit, CRITERIA, source, f"indicators.{crit}", "criterion")
                for name, w in _table(inner, source, f"indicators.{crit}").items():
                    key = f"indicators.{crit}.{name}"
                    _known(name, INDICATORS[crit], source, key, f"indicator of {crit}")
                    indicators.setdefault(crit, {})[name] = _number(w, source, key)
        elif section == "params":
            for name, v in _table(value, source, section).items():
                _known(name, PARAMS, source, f"params.{name}", "parameter")
                params[name] = _number(v, source, f"params.{name}")
        else:
            raise _bad(source, section, "unknown section; use [criteria], "
                                        "[indicators.<criterion>] and [params]")
    if base is None:  # the ranking's drainage offset is that of the drainage figures
        params.setdefault("drainage_offset_m", DrainageParams.defaults().offset_m)
    weights = Weights(criteria, indicators, params)
    check_weights(weights, source)
    return weights


def check_weights(weights: Weights, source: str) -> None:
    """Every key present and known, no negative weight, no all-zero set, ramps in order."""
    if set(weights.criteria) != set(CRITERIA) or set(weights.indicators) != set(CRITERIA):
        raise _bad(source, "criteria", f"needs exactly {', '.join(CRITERIA)}")
    if set(weights.params) != set(PARAMS):
        raise _bad(source, "params", f"needs exactly {', '.join(PARAMS)}")
    for crit, names in INDICATORS.items():
        if set(weights.indicators[crit]) != set(names):
            raise _bad(source, f"indicators.{crit}", f"needs exactly {', '.join(names)}")
        for name, w in weights.indicators[crit].items():
            _number(w, source, f"indicators.{crit}.{name}")
        if not any(weights.indicators[crit].values()):
            raise _bad(source, f"indicators.{crit}", "all weights are 0; give one a weight")
    for name, w in weights.criteria.items():
        _number(w, source, f"criteria.{name}")
    if not any(weights.criteria.values()):
        raise _bad(source, "criteria", "all weights are 0; give one a weight")
    for name, v in weights.params.items():
        _number(v, source, f"params.{name}")
    for full, zero in RAMPS:
        if weights.params[full] >= weights.params[zero]:
            raise _bad(source, f"params.{full}", f"must be below params.{zero} "
                       f"({weights.params[full]} ≥ {weights.params[zero]})")
