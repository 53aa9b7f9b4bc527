"""The package tree is the pipeline: each stage imports only itself and the stages before it, no two
modules import each other (directly or round a longer loop, lazy imports included), and no module
grows past 400 lines. Read from the source with ``ast``; nothing of ``qa`` is imported."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QA = ROOT / "qa"

#: Stages in the order data flows; a module may import its own stage and any earlier one.
STAGES = [
    ("qa.errors", "qa.config", "qa.types", "qa.checksums", "qa.lexicon"),
    ("qa.ingest",),
    ("qa.embed",),
    ("qa.vectors",),
    ("qa.index",),
    ("qa.retrieve",),
    ("qa.reader",),
    ("qa.collections",),
    ("qa.answer",),
    ("qa.eval",),
    ("qa.app",),
]
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(QA.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """The ``qa`` modules that ``path`` imports anywhere (lazy imports in functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from qa.x import y" is module qa.x.y when that exists, else qa.x.
            names = [f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                     for a in node.names]
        else:
            continue
        found |= {n for n in names if n in known}
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(path, known) - {name} for name, path in mods.items()}


def stage_of(module: str) -> int | None:
    for level, prefixes in enumerate(STAGES):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return level
    return None


def test_every_module_belongs_to_a_stage():
    assert [m for m in modules() if m != "qa" and stage_of(m) is None] == []


def test_a_stage_never_imports_a_later_one():
    wrong = [f"{m} imports {d}" for m, deps in graph().items() if m != "qa"
             for d in sorted(deps) if d != "qa" and stage_of(d) > stage_of(m)]
    assert wrong == []


def test_no_import_circles():
    g = graph()
    g.pop("qa", None)  # the package's front door re-exports from the stages; nothing imports it back
    for deps in g.values():
        deps.discard("qa")
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(g.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(" -> ".join(path[path.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_400_lines(name):
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by job"


def test_frozen_data_is_never_written_behind_its_back():
    offenders = [str(p.relative_to(ROOT)) for p in QA.rglob("*.py")
                 if "object.__setattr__" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_the_checker_sees_a_circle_and_a_backward_import(tmp_path, monkeypatch):
    """The checks above would catch what they guard against (a tree with both faults)."""
    pkg = tmp_path / "qa"
    (pkg / "ingest").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "ingest" / "__init__.py").write_text("")
    (pkg / "ingest" / "a.py").write_text("from qa.ingest import b\nfrom qa.answer import answer\n")
    (pkg / "ingest" / "b.py").write_text("def f():\n    from qa.ingest.a import x\n")
    (pkg / "answer.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "QA", pkg)
    with pytest.raises(AssertionError, match="qa.ingest.a imports qa.answer"):
        test_a_stage_never_imports_a_later_one()
    with pytest.raises(AssertionError, match="qa.ingest.a -> qa.ingest.b -> qa.ingest.a"):
        test_no_import_circles()
