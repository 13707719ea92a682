"""The shape of the code: imports only point down and never go round in a circle.

Walks every module of `src/emsp_tui` and `mock_backend` with `ast` (imports under
`TYPE_CHECKING` and inside functions count too) and checks:

- no import cycle, in either package;
- the layers (docs/architecture.md), from the bottom up:
    ocpi (the protocol) <- tariff (pure prices) <- billing (pure billing documents)
    <- store (the database) <- services
    <- receiver (the inbound face) <- node (the composition root) <- the UI and the CLI.
  A module may import its own layer and the layers below, never one above;
- the UI (app, screens, widgets, messages) never imports the store or the receiver, and the
  receiver never imports the UI: both are faces that reach the core through the services;
- the mock CPO network never imports the eMSP beyond the protocol package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.paths import REPO

PACKAGES = {"emsp_tui": REPO / "src" / "emsp_tui", "mock_backend": REPO / "mock_backend"}

# Rank of each top-level part of emsp_tui: an import may only go to the same or a lower rank.
FOUNDATION = {"paths", "config", "runtime"}  # settings: read by every layer, import only ocpi
RANKS: dict[str, float] = {
    "ocpi": 0,
    "paths": 1,
    "config": 1,
    "runtime": 1,
    "tariff": 1,
    "billing": 1.5,  # pure billing (audit, VAT, documents) on the tariff engine
    "store": 2,
    "services": 3,
    "receiver": 4,  # the inbound face: partners' pushes, on the services and the store
    "node": 5,  # the composition root: builds the services and mounts the receiver
    "demo": 5,  # the demo's node, with the mock network beside it
    "app": 6,
    "screens": 6,
    "widgets": 6,
    "messages": 6,
    "commands": 6,
    "commands_data": 6,
    "commands_billing": 6,
    "cli": 7,  # the entry point: parses the command line and hands over to a face
    "__main__": 8,
}
UI = {"app", "screens", "widgets", "messages"}


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int


def _module_name(package: str, base: Path, path: Path) -> str:
    parts = [package, *path.relative_to(base).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(package, base, path): path
        for package, base in PACKAGES.items()
        for path in sorted(base.rglob("*.py"))
    }


def _imports(modules: dict[str, Path]) -> Iterator[Import]:
    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    parent = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    parent = node.module or ""
                # `from pkg import sub` imports pkg.sub when it is a module, else pkg itself
                subs = [f"{parent}.{alias.name}" for alias in node.names]
                names = [sub for sub in subs if sub in modules]
                if len(names) < len(subs):
                    names.append(parent)
            for name in names:
                if name.split(".")[0] not in PACKAGES:
                    continue
                target = resolve(name)
                if target and target != module:
                    yield Import(module, target, node.lineno)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer_breaks(imports: list[Import]) -> list[str]:
    broken = []
    for imp in imports:
        where = f"{imp.source} (line {imp.line}) imports {imp.target}"
        if imp.source.startswith("mock_backend"):
            if imp.target.startswith("emsp_tui") and _part(imp.target) != "ocpi":
                broken.append(f"{where}: the mock network may use only the protocol package")
            continue
        if not imp.target.startswith("emsp_tui"):
            broken.append(f"{where}: the eMSP never imports the mock network")
            continue
        source, target = _part(imp.source), _part(imp.target)
        if not source or not target or source == target:
            continue
        if source not in RANKS or target not in RANKS:
            broken.append(f"{where}: {source or target} has no place in the layers (add it)")
        elif RANKS[target] > RANKS[source]:
            broken.append(f"{where}: {source} sits below {target}")
        elif source in UI and target in {"store", "receiver"}:
            broken.append(f"{where}: the UI reaches the data through the services")
        elif source == "receiver" and target in UI:
            broken.append(f"{where}: the receiver is a face of its own")
        elif source in FOUNDATION and target not in FOUNDATION | {"ocpi"}:
            broken.append(f"{where}: settings sit below every layer")
    return broken


def _graph() -> tuple[list[Import], dict[str, set[str]]]:
    modules = _modules()
    imports = list(_imports(modules))
    graph: dict[str, set[str]] = {module: set() for module in modules}
    for imp in imports:
        graph[imp.source].add(imp.target)
    return imports, graph


def test_the_walk_sees_the_real_imports() -> None:
    imports, graph = _graph()
    assert len(graph) > 150
    # a few edges every version of the code has: the checker itself must not go blind
    assert "emsp_tui.ocpi.models" in graph["emsp_tui.tariff.engine"]
    assert any(imp.target.startswith("emsp_tui.store") for imp in imports)


def test_no_import_cycles() -> None:
    _, graph = _graph()
    assert _cycles(graph) == []


def test_imports_only_point_down() -> None:
    imports, _ = _graph()
    assert _layer_breaks(imports) == []


def test_the_checks_catch_a_cycle_and_an_upward_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    up = Import("emsp_tui.store.search", "emsp_tui.services.stations", 3)
    ui = Import("emsp_tui.screens.wallet", "emsp_tui.store.tokens", 4)
    ok = Import("emsp_tui.services.stations", "emsp_tui.store.search", 5)
    breaks = _layer_breaks([up, ui, ok])
    assert len(breaks) == 2
    assert "store sits below services" in breaks[0]
    assert "the UI reaches the data" in breaks[1]
