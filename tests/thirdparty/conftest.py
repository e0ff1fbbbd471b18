"""Session fixtures: kuzu-memory 1.12.11's wheel, the virtualenv, the three project kinds.

Everything is built once per session under pytest's temporary folder (a clean machine
downloads the wheel and installs the virtualenv once, about 40 s); tests work on copies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from km1211_support import (
    GLOBAL_LOG_DIR,
    ComparisonEnv,
    Sandbox,
    build_empty,
    build_old,
    build_with_kuzu_memory,
    create_env,
    download_wheel,
)

KINDS = ("empty", "kuzu-memory-init", "old", "old-in-place")
"""(a) `.kuzu-memory/` only; (b) made by kuzu-memory 1.12.11 itself; (c) an old project,
with its database in `kuzu-memories/` as 1.6 left it, or already in `.kuzu-memory/`."""


@pytest.fixture(scope="session")
def kuzu_memory_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return download_wheel(tmp_path_factory.mktemp("kuzu-memory-wheel"))


@pytest.fixture(scope="session")
def comparison_env(
    tmp_path_factory: pytest.TempPathFactory, kuzu_memory_wheel: Path
) -> ComparisonEnv:
    """kuzu-memory 1.12.11, this checkout's core and the ported pack, in one virtualenv."""
    base = tmp_path_factory.mktemp("km1211")
    return create_env(base / "venv", kuzu_memory_wheel, base / "work")


@pytest.fixture(scope="session")
def pristine(
    tmp_path_factory: pytest.TempPathFactory, comparison_env: ComparisonEnv
) -> Callable[[str], Sandbox]:
    """The untouched project of a kind (built on first use; never run on: copy it)."""
    built: dict[str, Sandbox] = {}

    def get(kind: str) -> Sandbox:
        if kind not in built:
            base = tmp_path_factory.mktemp(f"pristine-{kind}")
            root, home = base / "project", base / "home"
            if kind == "empty":
                built[kind] = build_empty(root, home)
            elif kind == "kuzu-memory-init":
                built[kind] = build_with_kuzu_memory(comparison_env, root, home)
            elif kind == "old":
                built[kind] = build_old(root, home)
            elif kind == "old-in-place":
                built[kind] = build_old(root, home, database_dir=".kuzu-memory")
            else:
                raise ValueError(kind)
        return built[kind]

    return get


@pytest.fixture
def twins(
    tmp_path: Path, pristine: Callable[[str], Sandbox]
) -> Callable[[str], tuple[Sandbox, Sandbox]]:
    """Two identical copies of a kind's project and HOME: one for each system."""

    def make(kind: str) -> tuple[Sandbox, Sandbox]:
        source = pristine(kind)
        return source.copy(tmp_path / "original"), source.copy(tmp_path / "ours")

    return make


@pytest.fixture(autouse=True)
def no_machine_wide_hook_logs() -> None:
    """cleanup_old_logs_v1.8.0 deletes /tmp/kuzu-memory-hooks wherever it runs."""
    if GLOBAL_LOG_DIR.exists():
        pytest.skip(
            f"{GLOBAL_LOG_DIR} exists on this machine: kuzu-memory 1.12.11's"
            " cleanup_old_logs_v1.8.0 would delete it; not running the original here"
        )
