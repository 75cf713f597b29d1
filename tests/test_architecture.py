"""The rooms of convlab and the one direction of imports between them.

docs/architecture.md describes them; this test keeps the code to it:

    commands -> classroom -> grading -> the library -> gpu -> errors, i18n

A module may import its own room and the rooms to its right, never one to
its left; and no two modules import each other, directly or through others.
Every import counts, also one inside a function.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "convlab"

# Lower rank = deeper in the house. The library is everything not named here.
ROOMS = [
    ("foundation", ("convlab.errors", "convlab.i18n")),
    ("gpu", ("convlab.gpu",)),
    ("library", ()),
    ("grading", ("convlab.grading",)),
    ("classroom", ("convlab.classroom",)),
    ("commands", ("convlab.commands", "convlab.__main__")),
]
RANK = {name: rank for rank, (name, _) in enumerate(ROOMS)}


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module):
    for name, prefixes in ROOMS:
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return name
    return "library"


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(module):
    """The convlab modules that ``module`` imports (every import statement)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_has_a_room_and_the_rooms_exist():
    rooms = {room(module) for module in MODULES}
    assert rooms == set(RANK), f"rooms without modules: {set(RANK) - rooms}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_one_way(module):
    wrong = [f"{module} ({room(module)}) imports {target} ({room(target)})"
             for target in sorted(GRAPH[module]) if RANK[room(target)] > RANK[room(module)]]
    assert not wrong, "imports against the direction of the rooms:\n" + "\n".join(wrong)


def test_no_circles():
    """Depth-first search for a cycle in the import graph; reports the first one."""
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycle = path[path.index(target):] + [target]
                pytest.fail("modules that import each other: " + " -> ".join(cycle))
            if target not in state:
                visit(target, path + [target])
        state[module] = "done"

    for module in sorted(MODULES):
        if module not in state:
            visit(module, [module])


def test_the_library_never_imports_the_benchmarks_or_the_tests():
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {n.split(".")[0] for n in names} & {"benchmarks", "tests"}, path


def test_the_sandboxed_process_imports_nothing_of_the_grader():
    """The student's process imports convlab.classroom.sandbox: it and what it
    imports may bring in no checks, no nbgrader and no other classroom code
    (``import convlab``, the library's package, it preloads anyway)."""
    allowed = {"convlab", "convlab.classroom", "convlab.classroom.protocol",
               "convlab.classroom.isolation"}
    assert GRAPH["convlab.classroom"] == set()
    assert GRAPH["convlab.classroom.sandbox"] <= allowed
    assert GRAPH["convlab.classroom.protocol"] == set()
    assert GRAPH["convlab.classroom.isolation"] == set()


def test_the_gpu_backend_imports_only_the_foundation():
    for module in MODULES:
        if room(module) == "gpu":
            assert {room(t) for t in GRAPH[module]} <= {"gpu", "foundation"}, module
