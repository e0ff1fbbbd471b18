"""Fixtures of the pack tests: the packs loaded by module path, a private /tmp log folder, and
a kuzu-memory installation holding the bash hook scripts (a real package on sys.path)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from packs_support import EXAMPLE_SRC, TEST_PLUGIN, UPGRADES, UPGRADES_SRC

HERE = Path(__file__).parent


@pytest.fixture
def load(monkeypatch: pytest.MonkeyPatch, use_plugins: Callable[..., None]) -> Callable[..., None]:
    """Load exactly these plugin modules, the packs importable from their source folders."""
    monkeypatch.syspath_prepend(str(UPGRADES_SRC))
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    monkeypatch.syspath_prepend(str(HERE))
    return use_plugins


@pytest.fixture
def upgrades(load: Callable[..., None]) -> None:
    """kuzu-memory-upgrades plus the test plugin (inert unless its variables are set)."""
    load(UPGRADES, TEST_PLUGIN)


@pytest.fixture(autouse=True)
def shared_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Stands in for /tmp/kuzu-memory-hooks, so tests never touch the machine's real one."""
    folder = tmp_path / "tmp-kuzu-memory-hooks"
    monkeypatch.syspath_prepend(str(UPGRADES_SRC))
    from kuzu_memory_upgrades.v1_8_0_cleanup_logs import CleanupLogsMigration

    monkeypatch.setattr(CleanupLogsMigration, "shared_logs", folder)
    return folder


BASH_SCRIPT = "#!/bin/bash\necho '{\"continue\": true}'\n"


@pytest.fixture
def kuzu_memory_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `kuzu_memory` package with `hooks/bash/*.sh`, as kuzu-memory 1.7+ installs it."""
    site = tmp_path / "site"
    bash = site / "kuzu_memory" / "hooks" / "bash"
    bash.mkdir(parents=True)
    (site / "kuzu_memory" / "__init__.py").write_text(
        "raise ImportError('the migrations must find kuzu_memory without importing it')\n"
    )
    for name in ("enhance_hook.sh", "learn_hook.sh", "session_start_hook.sh"):
        (bash / name).write_text(BASH_SCRIPT)
        (bash / name).chmod(0o755)
    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop("kuzu_memory", None)
    importlib.invalidate_caches()
    return bash
