"""The package's modules depend on one another in one direction, and none uses another's
private names (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "indicators"


def modules(root: Path, package: str = "indicators") -> dict[str, Path]:
    """Dotted module name to file, for every module under ``root`` (``__init__.py`` is the
    package itself)."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every ``from ... import`` of a module, at module level or inside a function, but
    those under ``if TYPE_CHECKING:`` (annotations only: never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _imported_from(name: str, path: Path, node: ast.ImportFrom, package: str) -> list[str] | None:
    """The dotted parts of what ``node`` (in module ``name``) imports from, or None when it
    is not the package."""
    if node.level:
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        return here[:len(here) - (node.level - 1)] + (node.module.split(".") if node.module else [])
    if node.module and node.module.split(".")[0] == package:
        return node.module.split(".")
    return None


def import_graph(root: Path, package: str = "indicators") -> dict[str, dict[str, list[tuple[str, int]]]]:
    """Module to the modules of the package it imports, each with the names and lines."""
    found = modules(root, package)
    graph: dict[str, dict[str, list[tuple[str, int]]]] = {name: {} for name in found}
    for name, path in found.items():
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            base = _imported_from(name, path, node, package)
            if base is None:
                continue
            for alias in node.names:
                submodule = ".".join([*base, alias.name])
                target = submodule if submodule in found else ".".join(base)
                if target in found and target != name:
                    graph[name].setdefault(target, []).append((alias.name, node.lineno))
    return graph


def cycles(graph: dict[str, dict]) -> list[list[str]]:
    """One cycle (a list of modules, the first repeated at the end) per strongly connected
    component of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                components.append(set(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    out = []
    for component in components:
        start = min(component)
        # the shortest way back to the start within the component: a readable cycle
        paths = {start: [start]}
        queue = [start]
        while queue:
            node = queue.pop(0)
            for other in sorted(graph[node]):
                if other == start:
                    queue = []
                    out.append(paths[node] + [start])
                    break
                if other in component and other not in paths:
                    paths[other] = paths[node] + [other]
                    queue.append(other)
    return sorted(out)


def _describe(cycle: list[str], graph: dict) -> str:
    steps = []
    for a, b in zip(cycle, cycle[1:]):
        names, line = graph[a][b][0][0], graph[a][b][0][1]
        steps.append(f"{a} imports {b} (line {line}: {names})")
    return " -> ".join(cycle) + "\n    " + "\n    ".join(steps)


def test_the_modules_import_one_another_in_one_direction():
    graph = import_graph(PACKAGE)
    found = cycles(graph)
    assert not found, "import cycles in src/indicators:\n" + "\n".join(_describe(c, graph) for c in found)


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(root: Path, package: str = "indicators") -> list[str]:
    """Every use by a module of the package of another module's private name (one that
    begins with ``_``): imported by name, or read as an attribute of an imported module.
    Imports under ``if TYPE_CHECKING:`` count too. A private module itself (``from . import
    _pack``) is not a private name: the modules are all named so."""
    found = modules(root, package)
    out = []
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        bound: dict[str, str] = {}  # a local name bound to another module of the package
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = _imported_from(name, path, node, package)
            if base is None:
                continue
            for alias in node.names:
                submodule, target = ".".join([*base, alias.name]), ".".join(base)
                if submodule in found:
                    bound[alias.asname or alias.name] = submodule
                elif target in found and target != name and _private(alias.name):
                    out.append(f"{name} imports {alias.name} from {target} (line {node.lineno})")
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound
                    and bound[node.value.id] != name and _private(node.attr)):
                out.append(f"{name} reads {node.attr} of {bound[node.value.id]} (line {node.lineno})")
    return sorted(out)


def test_no_module_uses_a_private_name_of_another_module():
    private = private_uses(PACKAGE)
    assert not private, "modules use private names of other modules:\n" + "\n".join(private)


def _write_package(root: Path, files: dict[str, str]) -> Path:
    package = root / "pkg"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_a_cycle_hidden_in_a_function_is_found_and_named(tmp_path):
    package = _write_package(tmp_path, {
        "__init__.py": "from ._low import thing\n",
        "_low.py": "def thing():\n    from ._high import other\n    return other\n",
        "_high.py": "from ._low import thing\nother = thing\n",
        "_typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._high import other\n",
    })
    graph = import_graph(package, "pkg")
    assert graph["pkg._low"] == {"pkg._high": [("other", 2)]}
    assert graph["pkg._typed"] == {}  # annotations only
    assert cycles(graph) == [["pkg._high", "pkg._low", "pkg._high"]]
    assert "pkg._low imports pkg._high (line 2: other)" in _describe(cycles(graph)[0], graph)


def test_private_names_imported_or_read_through_a_module_are_found_and_named(tmp_path):
    package = _write_package(tmp_path, {
        "__init__.py": "from ._low import thing\n__all__ = ['thing']\n",
        "_low.py": "def _helper():\n    return 1\nthing = _helper\n",
        "_high.py": "from ._low import _helper, thing\n",
        "_reader.py": "from . import _low\nvalue = _low._helper() + _low.thing()\n",
        "_typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ._low import _helper\n",
        "_fine.py": "from . import __all__, _low\nfrom ._low import thing\nvalue = _low.thing\n",
    })
    assert private_uses(package, "pkg") == [
        "pkg._high imports _helper from pkg._low (line 1)",
        "pkg._reader reads _helper of pkg._low (line 2)",
        "pkg._typed imports _helper from pkg._low (line 3)",
    ]


@pytest.mark.parametrize("low", ["from .sub import _mod\n", "from pkg.sub._mod import value\n"])
def test_submodules_and_absolute_imports_are_edges_too(tmp_path, low):
    package = _write_package(tmp_path, {"__init__.py": "", "_low.py": low, "sub/__init__.py": "",
                                        "sub/_mod.py": "from .. import _low\nvalue = 1\n"})
    graph = import_graph(package, "pkg")
    assert graph["pkg.sub._mod"] == {"pkg._low": [("_low", 1)]}
    assert cycles(graph) == [["pkg._low", "pkg.sub._mod", "pkg._low"]]


def test_the_architecture_page_lists_every_module_after_those_it_imports():
    rows = [line for line in (PACKAGE.parent.parent / "docs" / "architecture.md").read_text().splitlines()
            if line.startswith("| `")]
    position = {}
    for n, row in enumerate(rows):
        for name in row.split("|")[1].split("`")[1::2]:
            position["indicators" if name == "indicators" else f"indicators.{name}"] = n

    def row_of(module: str) -> int | None:
        while module not in position and module.count(".") > 1:
            module = module.rsplit(".", 1)[0]  # a subpackage's modules stand in its row
        return position.get(module)

    graph = import_graph(PACKAGE)
    assert [m for m in graph if row_of(m) is None] == []
    late = [f"{module} (row {row_of(module)}) imports {target} (row {row_of(target)})"
            for module, targets in graph.items() for target in targets if row_of(target) > row_of(module)]
    assert late == []


COMMAND_LINE = ("_cli", "_explain_cli", "_tables_cli", "_progress")  # the command line's own modules


def command_line_private_imports(root: Path, package: str = "indicators",
                                 command_line: tuple[str, ...] = COMMAND_LINE) -> list[str]:
    """Every import by a command-line module of a private module of the package (one with
    a part that begins with ``_``) other than the command line's own, and every import of a
    command-line module by another module: the command line sits on the public API."""
    own = {f"{package}.{name}" for name in command_line}
    out = []
    for module, targets in import_graph(root, package).items():
        for target, uses in sorted(targets.items()):
            private = any(part.startswith("_") for part in target.split(".")[1:])
            if module in own and private and target not in own:
                out.extend(f"{module} imports {name} from {target} (line {line})" for name, line in uses)
            elif module not in own and target in own:
                out.extend(f"{module} imports {target} (line {line}), a command-line module" for _, line in uses)
    return sorted(out)


def test_the_command_line_uses_only_the_public_api():
    found = command_line_private_imports(PACKAGE)
    assert not found, "the command line imports the engine's private modules:\n" + "\n".join(found)


def test_a_private_import_of_the_command_line_is_found_and_named(tmp_path):
    package = _write_package(tmp_path, {
        "__init__.py": "from ._low import thing\n",
        "_low.py": "thing = 1\n",
        "public.py": "from ._low import thing\n",
        "_cli.py": "from . import thing\nfrom .public import thing as again\nfrom ._cli_help import text\n"
                   "def main():\n    from ._low import thing\n",
        "_cli_help.py": "text = ''\n",
        "_engine.py": "from ._cli_help import text\n",
    })
    assert command_line_private_imports(package, "pkg", ("_cli", "_cli_help")) == [
        "pkg._cli imports thing from pkg._low (line 5)",
        "pkg._engine imports pkg._cli_help (line 1), a command-line module",
    ]
