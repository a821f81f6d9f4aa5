"""The ``vgis`` group itself: input errors become one message and exit code 2."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from layers.errors import ImportRejected, VgisError

if TYPE_CHECKING:  # the CLI starts fast: heavy modules load with the command that needs them
    from sqlalchemy import Engine

err = Console(stderr=True)
out = Console()


def fail(exc: Exception) -> None:
    """Print an input error as one message and exit with code 2 (nothing was written)."""
    if isinstance(exc, ImportRejected):
        err.print(f"[bold red]import rejected[/]: {exc}", markup=True, highlight=False)
    else:
        err.print(f"[bold red]error[/]: {exc}", markup=True, highlight=False)
    sys.exit(2)


class Group(click.Group):
    """A group that turns the product's input errors into one message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a :class:`VgisError` ends it with its message."""
        try:
            return super().invoke(ctx)
        except VgisError as exc:
            fail(exc)


def cli_actor(name: str | None = None) -> str:
    """Who the command line writes as: ``--as NAME``, or ``cli:`` and the login name."""
    import getpass

    return name or f"cli:{getpass.getuser()}"


def engine() -> Engine:
    """The store (``DATABASE_URL``, or the local cluster, started on first use)."""
    from layers.runtime.db import get_engine

    return get_engine()


@click.group(cls=Group)
def main() -> None:
    """vgis: village planning GIS (layers in PostGIS, coverage, corridors, maps)."""
