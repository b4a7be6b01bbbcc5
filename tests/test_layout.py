"""The shape of the code: a core that imports no adapter, one door into the archive, no import cycles.

These are what keep "how a question becomes an answer" findable in `index/` and let each surface stay
a thin adapter; a change that breaks them should be a deliberate one.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.archive import ROOT

PACKAGES = ("index", "bot")
MAX_LINES = 300


def modules() -> dict[str, Path]:
    """Product module name -> file."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every module a file imports (at any depth, TYPE_CHECKING blocks included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from index import manifest` imports index.manifest
                submodule = f"{node.module}.{alias.name}"
                names.add(submodule if submodule in known else node.module)
    return {n for n in names if n in known or n.split(".")[0] not in PACKAGES}


def test_the_core_imports_no_bot_telegram_or_click_code() -> None:
    known = modules()
    offenders = {
        name: sorted(
            i for i in imports(path, known) if i.split(".")[0] in ("bot", "telegram", "click", "rich")
        )
        for name, path in known.items()
        if name.split(".")[0] == "index"
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def test_only_the_core_opens_the_sqlite_store() -> None:
    known = modules()
    outside = [
        name
        for name, path in known.items()
        if not name.startswith("index") and "index.store" in imports(path, known)
    ]
    assert outside == []


def test_product_modules_import_each_other_without_cycles() -> None:
    known = modules()
    graph = {
        name: {i for i in imports(path, known) if i in known and i != name} for name, path in known.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(
                    [*trail[trail.index(target) :], name, target] if target in trail else [name, target]
                )
            elif target not in state:
                visit(target, [*trail, name])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert cycles == []


def test_no_product_file_is_over_300_lines() -> None:
    long = {
        name: n for name, path in modules().items() if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
