"""Shared fixtures: every test gets its own HOME and a plugin set it chooses itself.

In `nox -s tests` the repository's packs are installed, so autoload would find them; tests
that need an exact set of plugins load them explicitly through `use_plugins`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURE_PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A private HOME (hooks migrations touch ~/.claude) and no inherited plugin settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in (
        "KUZU_MEMORY_MIGRATIONS_DISABLE",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS",
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD",
    ):
        monkeypatch.delenv(name, raising=False)
    yield home


@pytest.fixture
def use_plugins(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Load exactly these plugin modules (from tests/plugins/ or importable), no autoload."""

    def choose(*modules: str) -> None:
        monkeypatch.syspath_prepend(str(FIXTURE_PLUGINS))
        monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD", "1")
        monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_PLUGINS", ",".join(modules))
        for module in modules:
            sys.modules.pop(module, None)

    return choose


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty kuzu-memory project (just `.kuzu-memory/`)."""
    root = tmp_path / "project"
    (root / ".kuzu-memory").mkdir(parents=True)
    return root
