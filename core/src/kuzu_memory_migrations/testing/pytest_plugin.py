"""pytest plugin for pack authors (registered through the `pytest11` entry point)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def kuzu_project(tmp_path: Path) -> Path:
    """An empty kuzu-memory project root (with `.kuzu-memory/`) in a temporary folder."""
    root = tmp_path / "kuzu-project"
    (root / ".kuzu-memory").mkdir(parents=True)
    return root
