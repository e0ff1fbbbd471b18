"""A pack with long names, installed as a real distribution (its .dist-info on PYTHONPATH),
and a project for it: what a user meets on a real project, at any terminal width."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import (
    BEFORE,
    DISTRIBUTION,
    ENTRY_POINT,
    MODULE,
    SETTINGS_FILE,
    SOURCE,
    VERSION,
    Pack,
)


@pytest.fixture
def long_pack(tmp_path: Path) -> Pack:
    """The pack, as a distribution on PYTHONPATH, loaded alone (by its distribution name)."""
    site = tmp_path / "site"
    info = site / f"{DISTRIBUTION.replace('-', '_')}-{VERSION}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: {VERSION}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[kuzu_memory.migrations]\n{ENTRY_POINT} = {MODULE}\n", encoding="utf-8"
    )
    module = site / f"{MODULE}.py"
    module.write_text(SOURCE, encoding="utf-8")
    env = {
        "PYTHONPATH": str(site),
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD": "1",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS": DISTRIBUTION,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return Pack(site, module, env)


@pytest.fixture
def long_project(tmp_path: Path) -> Path:
    """A project whose settings file ends without a newline (as many editors leave JSON)."""
    root = tmp_path / "a-project-folder-with-a-rather-long-name-2026" / "project"
    (root / ".kuzu-memory").mkdir(parents=True)
    (root / SETTINGS_FILE).write_text(BEFORE, encoding="utf-8")
    return root
