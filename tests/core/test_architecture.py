"""The layers stay layers: the contract imports nothing of the engine, packs import only the
public modules, the public names are one list, every deliberate error is one family."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import kuzu_memory_migrations
from kuzu_memory_migrations.contract.errors import MigrationsError

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "core" / "src" / "kuzu_memory_migrations"
PUBLIC_MODULES = {"kuzu_memory_migrations", "kuzu_memory_migrations.base"}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, top level or inside functions, as absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    source_root = next(p for p in path.parents if p.name == "src")
    package = ".".join(path.relative_to(source_root).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def test_the_contract_imports_nothing_from_the_engine_or_the_faces() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((PACKAGE / "contract").rglob("*.py"))
        for line, module in imports_of(path)
        if module.startswith("kuzu_memory_migrations.")
        and not module.startswith("kuzu_memory_migrations.contract")
    ]
    assert not offending, offending


def test_the_engine_imports_no_face() -> None:
    faces = ("kuzu_memory_migrations.cli", "kuzu_memory_migrations.testing")
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((PACKAGE / "engine").rglob("*.py"))
        for line, module in imports_of(path)
        if module.startswith(faces)
    ]
    assert not offending, offending


def test_packs_import_only_the_public_modules() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((ROOT / "plugins").rglob("*.py"))
        for line, module in imports_of(path)
        if module.startswith("kuzu_memory_migrations") and module not in PUBLIC_MODULES
    ]
    assert not offending, offending


def test_the_public_names_are_one_list_checked_against_the_docs() -> None:
    table = kuzu_memory_migrations._PUBLIC
    assert kuzu_memory_migrations.__all__ == sorted([*table, "__version__"])
    source = (PACKAGE / "__init__.py").read_text()
    typed = re.findall(
        r"^\s+(\w+),?$|import (\w+(?:, \w+)*)$", source.split("if TYPE_CHECKING:")[-1], re.M
    )
    names = {n for pair in typed for part in pair for n in part.split(", ") if n}
    assert names - {"Any"} == set(table), "TYPE_CHECKING imports and _PUBLIC disagree"
    for name, module in table.items():
        assert getattr(importlib.import_module(module, "kuzu_memory_migrations"), name)
        assert getattr(kuzu_memory_migrations, name) is not None
    documented = (ROOT / "docs" / "reference" / "api.md").read_text()
    missing = [name for name in table if f"`{name}`" not in documented]
    assert not missing, f"docs/reference/api.md does not mention {missing}"


def test_every_error_raised_on_purpose_is_a_migrations_error() -> None:
    strays = []
    for info in pkgutil.walk_packages([str(PACKAGE)], "kuzu_memory_migrations."):
        if info.name.endswith("__main__") or ".testing" in info.name or ".templates" in info.name:
            continue  # the testing face raises look-alikes of pack bugs on purpose
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Exception)
                and value.__module__ == module.__name__
                and not issubclass(value, MigrationsError)
            ):
                strays.append(f"{module.__name__}.{name}")
    assert strays == [], strays


def test_the_concepts_page_draws_the_layers_the_code_has() -> None:
    concepts = (ROOT / "docs" / "concepts.md").read_text()
    for layer in ("contract/", "engine/", "cli/", "testing/"):
        assert layer in concepts, layer
    flow = ["CLI", "runner", "plan", "hooks", "migration", "journal"]
    positions = [concepts.find(step) for step in flow]
    assert -1 not in positions and positions == sorted(positions), positions
