"""Domain errors of the layer store; the API maps them to HTTP status codes in one place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class VgisError(ValueError):
    """Base of every error the product raises for bad input or missing data."""


class UnknownLayer(VgisError):
    """A layer name that is not in the canonical schema."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        super().__init__(f"unknown layer {name!r}; layers are: {', '.join(known)}")
        self.name = name


class UnknownArea(VgisError):
    """An area name that has no data."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no area named {name!r}; `vgis villages` lists the loaded areas")
        self.name = name


class UnknownVillage(VgisError):
    """A village name (or id) that matches no village, or several in different areas."""


class UnsupportedCRS(VgisError):
    """A source without a usable coordinate reference system."""


class UnreadableFile(VgisError):
    """A file that cannot be opened or parsed at all."""


class DatabaseUnavailable(VgisError):
    """The PostGIS server cannot be reached or started."""


@dataclass(frozen=True)
class Problem:
    """One rejected feature: where it is and what is wrong with it.

    Attributes
    ----------
    file
        The source file's name.
    feature
        The feature's index in the file (0-based) or its source id.
    field
        The field (or ``geometry``) that is wrong.
    message
        What is wrong and what to do about it.
    """

    file: str
    feature: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: feature {self.feature}: {self.field}: {self.message}"


class ImportRejected(VgisError):
    """An import in which one or more features were rejected; nothing was written."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{source}: {len(problems)} feature problem(s); nothing was written\n{shown}{more}"
        )


class Conflict(VgisError):
    """The request contradicts the store's state (a stale plan version, a name in use)."""


class UnknownPlan(VgisError):
    """A plan, or a feature of a plan, that does not exist."""
