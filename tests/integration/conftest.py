"""Session fixtures: one fresh virtualenv with the core, and every test pack built once."""

from __future__ import annotations

from pathlib import Path

import pytest
from installed import PACKS, PackEnv


@pytest.fixture(scope="session")
def pack_env(tmp_path_factory: pytest.TempPathFactory) -> PackEnv:
    """A virtualenv of its own: entry points of /work's environment cannot leak in."""
    return PackEnv.create(tmp_path_factory.mktemp("installs") / "venv")


@pytest.fixture(scope="session")
def wheels(pack_env: PackEnv) -> dict[str, Path]:
    """Every test pack under packs/, built as a wheel (folder name -> wheel)."""
    return pack_env.build(*sorted(p for p in PACKS.iterdir() if (p / "pyproject.toml").exists()))
