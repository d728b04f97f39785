"""The emulator imports only the standard library and itself, never the client, so it cannot
share the client's misunderstandings of the API."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import sora_cli.emulator

PACKAGE = Path(sora_cli.emulator.__file__).parent


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(relative level, module) for each import in a file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_only_stdlib_and_own_package() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) > 5
    for path in files:
        for level, module in imported_modules(path):
            if level:
                assert level == 1, f"{path.name}: relative import leaves the package"
                continue
            top = module.split(".")[0]
            if top == "sora_cli":
                assert module.startswith("sora_cli.emulator"), f"{path.name} imports {module}"
                continue
            assert top in sys.stdlib_module_names or top == "__future__", (
                f"{path.name} imports {module}, which is not in the standard library")


def test_assets_are_package_data() -> None:
    names = {p.name for p in (PACKAGE / "assets").iterdir()}
    assert {"1280x720-10s.mp4", "thumbnail.webp", "spritesheet.jpg"} <= names
    assert len([n for n in names if n.endswith(".mp4")]) == 16
