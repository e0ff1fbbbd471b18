"""Database migrations of kuzu-memory-upgrades on real Kuzu databases."""

from __future__ import annotations

import hashlib
from pathlib import Path

import kuzu
import pytest
from kuzu_memory_migrations import MigrationType, Status
from kuzu_memory_migrations.testing.projects import (
    SCHEMA_1_12,
    build_project_1_6,
    held_open,
    memory_rows,
    vector_indexes,
)
from kuzu_memory_migrations.testing.snapshot import snapshot
from packs_support import migrate, outcome, statuses

pytestmark = pytest.mark.usefixtures("upgrades")

DATABASE_WORK = (
    "knowledge_type_v1.6.45",
    "project_tag_v1.6.46",
    "schema_columns_v1.8.1",
    "schema_tables_v1.12.11",
    "memory_vector_index_v1.12.11",
    "content_hash_backfill_v1.9.0",
)


def _empty_1_12_database(path: Path, memories: int = 0) -> None:
    """What the first kuzu-memory 1.12 command creates on a 1.6 project (facts, section 4)."""
    database = kuzu.Database(str(path))
    connection = kuzu.Connection(database)
    for statement in SCHEMA_1_12:
        connection.execute(statement)
    for index in range(memories):
        connection.execute("CREATE (:Memory {id: $id, content: 'new'})", {"id": f"new-{index}"})
    connection.close()
    database.close()


def test_a_database_held_open_defers_the_database_work_and_changes_nothing(
    tmp_path: Path,
) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root, memories=4)
    assert migrate(root, types=frozenset({MigrationType.STRUCTURE})).ok
    db = root / ".kuzu-memory" / "memories.db"

    with held_open(db):
        before = snapshot(root, databases="bytes")
        report = migrate(root)
        after = snapshot(root, databases="bytes")

    for name in DATABASE_WORK:
        deferred = outcome(report, name)
        if name == "memory_vector_index_v1.12.11":  # waits for schema_columns_v1.8.1
            assert deferred.status is Status.DEFERRED
            assert "waits for schema_columns_v1.8.1, which was deferred" in deferred.reason
            continue
        assert deferred.status is Status.DEFERRED, deferred
        assert "held open by another process" in deferred.reason
    assert {k: v for k, v in after.items() if "memories.db" in k} == {
        k: v for k, v in before.items() if "memories.db" in k
    }
    # Once released, the deferred work is done.
    later = migrate(root)
    assert all(statuses(later)[name] is Status.APPLIED for name in DATABASE_WORK)


def test_an_old_database_held_open_defers_the_move(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    old_db = build_project_1_6(root)

    with held_open(old_db):
        before = snapshot(root / "kuzu-memories", framework=True, databases="bytes")
        report = migrate(root)
        assert snapshot(root / "kuzu-memories", framework=True, databases="bytes") == before

    assert outcome(report, "database_location_v1.6.39").status is Status.DEFERRED
    waiting = outcome(report, "schema_columns_v1.8.1")
    assert waiting.status is Status.DEFERRED
    assert "waits for database_location_v1.6.39" in waiting.reason
    assert report.ok  # deferral is not failure: nothing for the host to report
    assert not (root / ".kuzu-memory" / "memories.db").exists()


def test_the_empty_database_1_12_created_is_replaced_by_the_old_one(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    old_db = build_project_1_6(root, memories=5)
    rows = memory_rows(old_db)
    _empty_1_12_database(root / ".kuzu-memory" / "memories.db")

    report = migrate(root)

    move = outcome(report, "database_location_v1.6.39")
    assert move.status is Status.APPLIED
    assert any("Replaced" in change for change in move.changes)
    db = root / ".kuzu-memory" / "memories.db"
    assert [row["id"] for row in memory_rows(db)] == [row["id"] for row in rows]
    assert vector_indexes(db) == [("Memory", "memory_hnsw_idx")]
    assert not (root / "kuzu-memories").exists()


def test_two_databases_with_memories_fail_naming_both(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    build_project_1_6(root, memories=3)
    _empty_1_12_database(root / ".kuzu-memory" / "memories.db", memories=2)
    before = snapshot(root)

    report = migrate(root, types=frozenset({MigrationType.STRUCTURE}))

    move = outcome(report, "database_location_v1.6.39")
    assert move.status is Status.FAILED
    assert str(root / "kuzu-memories" / "memories.db") in move.reason
    assert str(root / ".kuzu-memory" / "memories.db") in move.reason
    assert "3 memories" in move.reason and "2 memories" in move.reason
    assert snapshot(root) == before


def test_the_backfill_uses_1_12s_hash_in_batches_with_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kuzu_memory_upgrades.v1_9_0_content_hash_backfill import ContentHashBackfillMigration

    monkeypatch.setattr(ContentHashBackfillMigration, "batch_size", 2)
    root = tmp_path / "proj"
    build_project_1_6(root, memories=9)
    rows = memory_rows(root / "kuzu-memories" / "memories.db")
    advanced: list[tuple[str, int]] = []

    class Recorder:
        def __init__(self, label: str) -> None:
            self.label = label

        def advance(self, amount: int = 1) -> None:
            advanced.append((self.label, amount))

        def close(self) -> None:
            pass

    report = migrate(root, progress=lambda label, total: Recorder(label))

    assert outcome(report, "content_hash_backfill_v1.9.0").status is Status.APPLIED
    assert [amount for _, amount in advanced] == [2, 2, 2]  # 6 rows lacked a hash
    after = {row["id"]: row for row in memory_rows(root / ".kuzu-memory" / "memories.db")}
    for row in rows:
        expected = hashlib.sha256(row["content"].lower().strip().encode()).hexdigest()
        assert after[row["id"]]["content_hash"] == expected
        if row["content_hash"]:
            assert after[row["id"]]["content_hash"] == row["content_hash"]  # left alone
