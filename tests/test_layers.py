"""Layers that hold: an import never runs upward (see docs/ARCHITECTURE.md).

contract (spec, errors) -> analysis (audio, transcripts, tables, media, regions) -> client ->
widgets -> apps (notebooks' entry points: connect, demo, cli). The sandbox depends on the
contract and media only. Every import counts: at the top, inside functions (lazy) and under
TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "qavix_lab"

LAYERS = {
    "spec": 0, "errors": 0,
    "audio": 1, "transcripts": 1, "tables": 1, "media": 1, "regions": 1,
    "client": 2,
    "widgets": 3,
    "blind_test": 1, "corpus": 1, "samples": 1,
    "connection": 4, "doctor": 4, "demo": 4, "cli": 4, "__init__": 4, "__main__": 4,
}
SANDBOX_MAY_USE = {"spec", "errors", "media", "sandbox"}


def unit(module: str) -> str:
    """``qavix_lab.client.resources.tts`` -> ``client``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" and len(parts) > 2 else parts)


def imports(path: Path) -> set[str]:
    """Every qavix_lab module ``path`` imports, absolute or relative."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("qavix_lab")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                if not node.module:  # from . import x: x may be a module
                    found |= {f"{target}.{a.name}" for a in node.names}
                    continue
            else:
                target = node.module or ""
            if target.startswith("qavix_lab"):
                found.add(target)
    return found


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = module_name(path)
        here = unit(source)
        for target in sorted(imports(path)):
            there = unit(target)
            if here == there or there == "__init__" and target == "qavix_lab":
                continue
            if here == "sandbox":
                if there not in SANDBOX_MAY_USE:
                    found.append(f"{source} -> {target}: the sandbox uses spec and media only")
                continue
            if there == "sandbox":
                if LAYERS.get(here, -1) < 4:
                    found.append(f"{source} -> {target}: only apps start a sandbox")
                continue
            if here not in LAYERS or there not in LAYERS:
                found.append(f"{source} -> {target}: give {here if here not in LAYERS else there}"
                             " a layer in tests/test_layers.py")
            elif LAYERS[there] > LAYERS[here]:
                found.append(f"{source} -> {target}: {here} (layer {LAYERS[here]}) imports "
                             f"upward from {there} (layer {LAYERS[there]})")
    return found


def test_no_import_runs_upward():
    assert violations() == []


def test_the_check_sees_relative_lazy_and_type_checking_imports(tmp_path, monkeypatch):
    fake = tmp_path / "qavix_lab"
    (fake / "spec").mkdir(parents=True)
    (fake / "spec" / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..client import Client\n"
        "def later():\n    from qavix_lab.widgets import TaskMonitor\n")
    (fake / "sandbox").mkdir()
    (fake / "sandbox" / "runner.py").write_text("from ..client import Client\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", fake)
    found = violations()
    assert any("qavix_lab.spec -> qavix_lab.client:" in v for v in found)
    assert any("qavix_lab.spec -> qavix_lab.widgets:" in v for v in found)
    assert any("qavix_lab.sandbox.runner -> qavix_lab.client:" in v for v in found)
