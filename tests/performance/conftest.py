"""Running `auto_migrate` in a fresh interpreter and seeing what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

PACKS = Path(__file__).parent / "packs"
HEAVY = {
    "kuzu",
    "pydantic",
    "pydantic_core",
    "pluggy",
    "typer",
    "rich",
    "click",
    "packaging",
    "filelock",
    "ruamel",
    "numpy",
    "pandas",
}
"""Nothing of these may be imported by `import kuzu_memory_migrations` or an idle start."""

PROBE = """
import json, sys
before = set(sys.modules)
import kuzu_memory_migrations
report = kuzu_memory_migrations.auto_migrate(sys.argv[1]) if len(sys.argv) > 1 else None
print(json.dumps({
    "status": report.status if report else None,
    "applied": list(report.applied) if report else [],
    "message": report.message if report else "",
    "new": sorted(set(sys.modules) - before),
}))
"""


def probe(python: str | Path, root: Path | None, env: Mapping[str, str]) -> dict[str, Any]:
    """Import the package (and call `auto_migrate(root)`) in a new process."""
    argv = [str(python), "-c", PROBE, *([str(root)] if root else [])]
    done = subprocess.run(argv, env=dict(env), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


FAST_PATH_MODULES = {
    "kuzu_memory_migrations",
    "kuzu_memory_migrations.startup",
    "kuzu_memory_migrations.engine",
    "kuzu_memory_migrations.engine.fastpath",
    "kuzu_memory_migrations.engine.layout",
    "kuzu_memory_migrations.engine.variables",
    "kuzu_memory_migrations.contract",
    "kuzu_memory_migrations.contract.layout",
}


def unexpected_imports(modules: list[str]) -> set[str]:
    """Modules that are neither the fast path's own nor the standard library's, or heavy."""
    return {
        name
        for name in modules
        if name.split(".")[0] in HEAVY
        or (name not in FAST_PATH_MODULES and name.split(".")[0] not in sys.stdlib_module_names)
    }


@pytest.fixture
def unexpected() -> Callable[[list[str]], set[str]]:
    return unexpected_imports


@pytest.fixture
def perf_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of a host whose only pack is `perf_pack` (no bytecode written)."""
    env = dict(os.environ)
    env.update(
        KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD="1",
        KUZU_MEMORY_MIGRATIONS_PLUGINS="perf_pack",
        PYTHONPATH=str(PACKS),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@pytest.fixture
def run_probe(perf_env: dict[str, str]) -> Callable[..., dict[str, Any]]:
    def run(
        root: Path | None = None,
        python: str | Path = sys.executable,
        env: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        return probe(python, root, env or perf_env)

    return run
