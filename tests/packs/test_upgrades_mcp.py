"""mcp_database_v1.6.39 on a user's real-shaped ~/.claude.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.engine.runner import Mode
from kuzu_memory_migrations.testing.projects import build_project_1_6
from packs_support import migrate, outcome

pytestmark = pytest.mark.usefixtures("upgrades")

NAME = "mcp_database_v1.6.39"


def claude_json(root: Path, other: Path) -> dict[str, Any]:
    """What 1.6.32's `install claude-code` leaves (see the facts page), beside other state."""

    def server(project: Path) -> dict[str, Any]:
        return {
            "mcpServers": {
                "kuzu-memory": {
                    "type": "stdio",
                    "command": "kuzu-memory",
                    "args": ["mcp"],
                    "env": {
                        "KUZU_MEMORY_PROJECT_ROOT": str(project),
                        "KUZU_MEMORY_DB": str(project / "kuzu-memories"),
                    },
                }
            },
            "allowedTools": ["Bash"],
        }

    return {
        "numStartups": 42,
        "projects": {str(root): server(root), str(other): server(other)},
        "theme": "dark",
    }


def test_points_this_projects_server_at_the_moved_database(tmp_path: Path) -> None:
    root, other = tmp_path / "proj", tmp_path / "other"
    build_project_1_6(root)
    path = Path.home() / ".claude.json"
    path.write_text(json.dumps(claude_json(root, other), indent=2))

    report = migrate(root)
    assert outcome(report, NAME).status is Status.APPLIED
    after = json.loads(path.read_text())
    expected = claude_json(root, other)
    env = expected["projects"][str(root)]["mcpServers"]["kuzu-memory"]["env"]
    env["KUZU_MEMORY_DB"] = str(root / ".kuzu-memory" / "memories.db")
    assert after == expected  # another project's entry and every other key untouched
    assert (root / ".kuzu-memory" / "memories.db").exists()

    again = migrate(root)
    assert all(o.name != NAME or o.status is Status.NOT_APPLICABLE for o in again.outcomes)


def test_a_dry_run_shows_the_change_and_makes_none(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    path = Path.home() / ".claude.json"
    path.write_text(json.dumps(claude_json(root, tmp_path / "other"), indent=2))
    before = path.read_bytes()
    report = migrate(root, Mode.DRY_RUN)
    planned = outcome(report, NAME).planned
    assert [change.action for change in planned] == ["modify"]
    assert ".kuzu-memory/memories.db" in planned[0].diff
    assert path.read_bytes() == before


def test_nothing_to_do_without_the_file_or_the_old_path(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root)
    assert outcome(migrate(root), NAME).status is Status.NOT_APPLICABLE
