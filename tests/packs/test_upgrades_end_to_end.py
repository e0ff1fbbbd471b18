"""A project made by kuzu-memory 1.6 comes out as kuzu-memory 1.12.11 expects it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.engine.database import MARKER_TABLE
from kuzu_memory_migrations.engine.runner import Mode
from kuzu_memory_migrations.testing.projects import (
    build_project_1_6,
    build_project_1_12,
    memory_rows,
    table_columns,
    table_names,
    vector_indexes,
)
from kuzu_memory_migrations.testing.snapshot import snapshot
from packs_support import UPGRADE_NAMES, migrate, outcome, statuses

pytestmark = pytest.mark.usefixtures("upgrades")

NEW_COLUMNS = {
    "knowledge_type": "note",
    "project_tag": "",
    "source_speaker": "user",
    "embedding": None,
}


def _hash(content: str) -> str:
    return hashlib.sha256(content.lower().strip().encode()).hexdigest()


def test_a_1_6_project_gets_the_1_12_schema_with_every_memory(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    old_db = build_project_1_6(root, memories=7, claude_json=Path.home() / ".claude.json")
    before = memory_rows(old_db)
    reference = build_project_1_12(tmp_path / "ref")

    report = migrate(root)

    assert report.ok, report
    applied = {n for n, s in statuses(report).items() if s is Status.APPLIED}
    assert applied == set(UPGRADE_NAMES) - {"bash_hooks_v1.7.0"}  # no kuzu-memory here
    db = root / ".kuzu-memory" / "memories.db"
    assert not (root / "kuzu-memories").exists()
    # 1.12.11's own tables, and the framework's one (the commit markers) beside them
    assert table_names(db) == sorted([*table_names(reference), MARKER_TABLE])
    for table in table_names(reference):
        assert set(table_columns(db, table)) == set(table_columns(reference, table)), table
    assert vector_indexes(db) == vector_indexes(reference)

    after = {row["id"]: row for row in memory_rows(db)}
    assert len(after) == len(before) == 7
    for old in before:
        new = after[old["id"]]
        for column, value in old.items():
            if column == "content_hash":
                assert new[column] == (value or _hash(old["content"]))
            elif column == "valid_from":  # 1.12 writes it; archive_expired_v1.9.0 fills it
                assert new[column] == (value or old["created_at"])
            else:
                assert new[column] == value, column
        for column, default in NEW_COLUMNS.items():
            assert new[column] == default

    config = (root / ".kuzu-memory" / "config.yaml").read_text()
    assert f"path: {root / '.kuzu-memory'}\n" in config
    assert "queue_dir: /tmp/kuzu-memory-queue" in config
    settings = json.loads((root / ".claude" / "settings.local.json").read_text())
    assert settings["hooks"]["PostToolUse"][0]["hooks"][0]["async"] is True

    # Second run: nothing applied, nothing changed.
    before = snapshot(root)
    again = migrate(root)
    assert again.ok
    assert not any(o.status is Status.APPLIED for o in again.outcomes)
    assert snapshot(root) == before


def test_a_1_12_project_only_gets_the_config_defaults(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    db = build_project_1_12(root, memories=4)
    before = memory_rows(db)

    report = migrate(root)

    assert report.ok
    applied = [o.name for o in report.outcomes if o.status is Status.APPLIED]
    assert applied == ["config_defaults_v1.7.0"]
    assert memory_rows(db) == before


@pytest.mark.usefixtures("kuzu_memory_installed")
def test_a_dry_run_changes_no_byte_and_shows_the_whole_upgrade(
    tmp_path: Path, shared_logs: Path
) -> None:
    root = tmp_path / "proj"
    claude_json = Path.home() / ".claude.json"
    build_project_1_6(root, memories=5, claude_json=claude_json)
    shared_logs.mkdir()
    (shared_logs / "kuzu_learn.log").write_text("old\n")
    before = snapshot(tmp_path, also=[claude_json], framework=True, databases="bytes")

    report = migrate(root, Mode.DRY_RUN)

    assert snapshot(tmp_path, also=[claude_json], framework=True, databases="bytes") == before
    pending = {n for n, s in statuses(report).items() if s is Status.PENDING}
    assert pending == set(UPGRADE_NAMES)
    move = outcome(report, "database_location_v1.6.39")
    assert any(
        p.action == "move" and p.path.endswith("kuzu-memories/memories.db") for p in move.planned
    )
    # Database work after the (previewed) move reads the database where it still is.
    columns = outcome(report, "schema_columns_v1.8.1")
    assert columns.changes == [
        "ALTER TABLE Memory ADD embedding FLOAT[384]",
        "ALTER TABLE Memory ADD source_speaker STRING DEFAULT 'user'",
    ]
    # A dry run's messages say what would be done, not that it was.
    assert outcome(report, "content_hash_backfill_v1.9.0").reason.startswith("Would back-fill 4")
    assert outcome(report, "schema_columns_v1.8.1").reason.startswith("Would add 2 column(s)")
    assert move.reason.startswith("Database would move to .kuzu-memory/")
    assert outcome(report, "bash_hooks_v1.7.0").reason.startswith("Would rewrite")
