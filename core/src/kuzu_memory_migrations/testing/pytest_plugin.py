"""pytest plugin for pack authors, registered through the `pytest11` entry point.

Fixtures build kuzu-memory projects in temporary folders (config, Claude settings, a real
Kuzu database with kuzu-memory's schema), run migrations through the real machinery and
read the result. Which packs take part is the ``kuzu_migrations_plugins`` ini option (a
pack's own pyproject: ``[tool.pytest.ini_options] kuzu_migrations_plugins = ["my-pack"]``),
or override the fixture of the same name; with neither, every installed pack is loaded.

Importing this module costs nothing beyond pytest: the rest loads when a fixture is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .harness import MigrationHarness

_PLUGIN_ENV = (
    "KUZU_MEMORY_MIGRATIONS_DISABLE",
    "KUZU_MEMORY_MIGRATIONS_PLUGINS",
    "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "kuzu_migrations_plugins",
        "Packs the kuzu_migrations fixture loads (entry-point, distribution or module "
        "names); empty: every installed pack.",
        type="linelist",
        default=[],
    )


@pytest.fixture
def kuzu_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME (hooks migrations change ~/.claude) and no plugin settings inherited
    from the environment, so a test never touches the real user's files."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in _PLUGIN_ENV:
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def kuzu_project(tmp_path: Path, kuzu_home: Path) -> Path:
    """An empty kuzu-memory project root (with `.kuzu-memory/`) in a temporary folder."""
    root = tmp_path / "kuzu-project"
    (root / ".kuzu-memory").mkdir(parents=True)
    return root


@pytest.fixture
def kuzu_project_1_6(tmp_path: Path, kuzu_home: Path) -> Path:
    """What kuzu-memory 1.6.32 left behind: database in `kuzu-memories/`, its hooks, old
    logs, its MCP server in the private HOME's `~/.claude.json`. Returns the project root
    (see `testing.projects.build_project_1_6`)."""
    from .projects import build_project_1_6

    root = tmp_path / "project-1.6"
    build_project_1_6(root, claude_json=kuzu_home / ".claude.json")
    return root.resolve()


@pytest.fixture
def kuzu_project_1_12(tmp_path: Path, kuzu_home: Path) -> Path:
    """A project as kuzu-memory 1.12.11 creates it today. Returns the project root."""
    from .projects import build_project_1_12

    root = tmp_path / "project-1.12"
    build_project_1_12(root)
    return root.resolve()


@pytest.fixture
def kuzu_migrations_plugins(pytestconfig: pytest.Config) -> tuple[str, ...]:
    """The packs `kuzu_migrations` loads (the ini option; override for one test module)."""
    return tuple(pytestconfig.getini("kuzu_migrations_plugins"))


@pytest.fixture
def kuzu_migrations(kuzu_migrations_plugins: tuple[str, ...], kuzu_home: Path) -> MigrationHarness:
    """Runs migrations on a project the way `kuzu-memory-migrations run` does:
    ``report = kuzu_migrations.run(root)``; also ``dry_run=True``, ``.plan(root)``,
    ``.history(root)``, ``.applied(root)``."""
    from .harness import MigrationHarness

    return MigrationHarness(plugins=kuzu_migrations_plugins, autoload=not kuzu_migrations_plugins)
