"""What people running `run --dry-run` see: diffs against project paths, plain text in a pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kuzu_memory_migrations.testing.projects import build_project_1_12
from kuzu_memory_migrations.testing.snapshot import snapshot

PACKS = str(Path(__file__).parent / "packs")


def cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed executable's module in a subprocess: stdout is a pipe, not a terminal."""
    environment = {
        **os.environ,
        "PYTHONPATH": PACKS,
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD": "1",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS": "tidy_pack",
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "kuzu_memory_migrations", *args, "--project-root", str(project)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_dry_run_diffs_are_relative_and_change_nothing(tmp_path: Path, kuzu_home: Path) -> None:
    project = tmp_path / "project"
    build_project_1_12(project)
    before = snapshot(project, framework=True)

    text = cli(project, "run", "--dry-run")
    data = cli(project, "run", "--dry-run", "--json")

    assert text.returncode == 0, text.stderr
    assert "\x1b[" not in text.stdout  # no colour codes when not a terminal
    assert "--- a/.kuzu-memory/config.yaml" in text.stdout
    assert "+tidy:" in text.stdout
    assert "ALTER TABLE Memory ADD tidy_score DOUBLE DEFAULT -1.0" in text.stdout
    report = json.loads(data.stdout)
    planned = {o["name"]: o["planned"] for o in report["outcomes"]}
    assert planned["tidy_config"][0]["path"] == ".kuzu-memory/config.yaml"
    assert planned["tidy_column"][0] == {
        "action": "cypher",
        "path": ".kuzu-memory/memories.db",
        "target": None,
        "diff": "ALTER TABLE Memory ADD tidy_score DOUBLE DEFAULT -1.0",
    }
    assert snapshot(project, framework=True) == before
