"""The shape of the house: one-way rooms, modules of one idea, tooling kept apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PRODUCT = ("layers", "gis", "maps", "api")
# what each room may import of the others (the flow: layers → gis → maps → api)
ALLOWED: dict[str, set[str]] = {
    "layers": {"layers"},
    "gis": {"layers", "gis"},
    "maps": {"layers", "gis", "maps"},
    "api": {"layers", "gis", "maps", "api"},
    "bench": {"layers", "gis", "maps", "api", "bench", "testkit"},
    "testkit": {"layers", "gis", "maps", "api", "testkit"},
}
OURS = {*PRODUCT, "bench", "testkit", "tests"}


def _modules(room: str) -> list[Path]:
    return sorted(p for p in (ROOT / room).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    """Top-level packages of ours that a module imports (anywhere in it)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_rooms_import_only_forward(room: str) -> None:
    wrong = {str(p.relative_to(ROOT)): sorted(_imports(p) - ALLOWED[room])
             for p in _modules(room) if _imports(p) - ALLOWED[room]}
    assert wrong == {}


@pytest.mark.parametrize("room", PRODUCT)
def test_modules_hold_one_idea(room: str) -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules(room)
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_store_has_no_import_circle() -> None:
    """``layers.errors`` is the root of the store: it imports nothing of ours."""
    assert _imports(ROOT / "layers" / "errors.py") == set()


def test_tooling_is_not_shipped() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'include = ["layers*", "gis*", "maps*", "api*"]' in text
