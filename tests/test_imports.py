"""Imports point one way: read from the source with ``ast`` (no module is run).

* the core (``eraser``) never imports a plugin (``plugins/*``, ``models/``);
* ``eraser.backends``, the contract, imports nothing of eraser's;
* no import cycles among eraser's and its plugins' modules, counting imports
  inside functions (a lazy import is still an arrow); imports under
  ``if TYPE_CHECKING:`` are for type checkers only and do not count.
"""

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# top-level package name -> its folder
PACKAGES = {"eraser": ROOT / "eraser", "eraser_models": ROOT / "models",
            "eraser_patchmatch": ROOT / "plugins" / "eraser-patchmatch" / "eraser_patchmatch",
            **{p.name: p for p in (ROOT / "plugins").iterdir() if p.name.startswith("eraser_") and p.is_dir()}}


def modules() -> dict[str, Path]:
    """Dotted module name -> file, tests left out."""
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if "tests" in parts:
                continue
            dotted = [package, *parts]
            found[".".join(dotted[:-1] if dotted[-1] == "__init__" else dotted)] = path
    return found


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The known modules that ``name`` imports, anywhere in it."""
    found: set[str] = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names if a.name in known)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package[:len(package) - child.level + 1] + ([base] if base else []))
                for alias in child.names:
                    # `from pkg import module` imports the module; `from module import name` the module
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return (found & known) - {name}


@cache
def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, set(known)) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_the_reader_sees_imports_of_every_kind():
    edges = graph()
    assert "eraser.registry" in edges["eraser.fallback"]  # from eraser import registry
    assert "eraser.cli.exits" in edges["eraser.cli"]  # inside a function
    assert "eraser.hookspecs" in edges["eraser_mobilesam"]  # from eraser.hookspecs import hookimpl
    assert "eraser.prompts" not in edges["eraser.backends"]  # under TYPE_CHECKING only
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_core_never_imports_a_plugin():
    wrong = {f"{name} -> {other}" for name, targets in graph().items() if name.split(".")[0] == "eraser"
             for other in targets if other.split(".")[0] != "eraser"}
    assert not wrong


def test_the_backend_contract_imports_nothing_of_erasers():
    assert graph()["eraser.backends"] == set()


def test_no_import_cycles():
    assert cycles(graph()) == []
