"""Every migration of kuzu-memory-upgrades, on its own: it applies on an old project, a
failure after it ran is undone completely, a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.testing.projects import build_project_1_6, memory_rows
from kuzu_memory_migrations.testing.snapshot import snapshot
from packs_support import UPGRADE_NAMES, UPGRADES, migrate, outcome, statuses

OVERLAPS = {
    # schema_columns_v1.8.1 adds any Memory column still missing, these two included.
    "knowledge_type_v1.6.45": "schema_columns_v1.8.1",
    "project_tag_v1.6.46": "schema_columns_v1.8.1",
}


@pytest.fixture
def old_project(tmp_path: Path, shared_logs: Path, kuzu_memory_installed: Path) -> Path:
    """A 1.6 project where every migration has work, kuzu-memory 1.7+ installed."""
    root = tmp_path / "proj"
    build_project_1_6(root, memories=5, claude_json=Path.home() / ".claude.json")
    (shared_logs / "kuzu_learn.log").parent.mkdir(parents=True)
    (shared_logs / "kuzu_learn.log").write_text("old hook log\n")
    return root


@pytest.mark.usefixtures("upgrades")
@pytest.mark.parametrize("name", UPGRADE_NAMES)
def test_applies_undoes_an_injected_failure_and_then_stays_applied(
    name: str, old_project: Path, shared_logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = old_project

    def state() -> dict[str, str]:
        return snapshot(root, also=[shared_logs, Path.home() / ".claude.json"])

    # Everything else first, so the migration meets the project it meets in real life.
    monkeypatch.setenv("PACKS_TEST_VETO", f"{name},{OVERLAPS.get(name, '')}")
    first = migrate(root)
    assert outcome(first, name).status is Status.VETOED
    monkeypatch.delenv("PACKS_TEST_VETO")
    before = state()

    # Only this migration from now on (the others vetoed), so what changes is its doing.
    monkeypatch.setenv("PACKS_TEST_VETO", ",".join(n for n in UPGRADE_NAMES if n != name))

    # A failure after the migration did all its work: every change is undone.
    monkeypatch.setenv("PACKS_TEST_FAIL_AFTER", name)
    failed = migrate(root)
    assert outcome(failed, name).status is Status.FAILED
    assert "injected failure" in outcome(failed, name).reason
    assert not failed.problems
    assert state() == before
    monkeypatch.delenv("PACKS_TEST_FAIL_AFTER")

    # Then it applies, and says what it did.
    applied = migrate(root)
    result = outcome(applied, name)
    assert result.status is Status.APPLIED, result
    assert result.changes
    assert state() != before

    # The rest, then a run that finds nothing to do and changes nothing.
    monkeypatch.delenv("PACKS_TEST_VETO")
    assert migrate(root).ok
    after = state()
    again = migrate(root)
    assert not any(o.status is Status.APPLIED for o in again.outcomes)
    assert state() == after


@pytest.mark.parametrize("name", UPGRADE_NAMES)
@pytest.mark.usefixtures("upgrades")
def test_not_applicable_once_everything_ran(name: str, old_project: Path) -> None:
    assert migrate(old_project).ok
    again = migrate(old_project)
    assert statuses(again).get(name, Status.APPLIED) is Status.APPLIED or (
        statuses(again)[name] is Status.NOT_APPLICABLE
    )


def test_a_failure_in_the_middle_of_the_move_is_undone(
    old_project: Path, load: Callable[..., None]
) -> None:
    load("packs_midway_plugin")
    old = old_project / "kuzu-memories"
    before = snapshot(old, framework=True, databases="bytes")
    config = old_project / ".kuzu-memory" / "config.yaml"
    path_line = f"  path: {old}\n"
    assert path_line in config.read_text()

    report = migrate(old_project)

    move = outcome(report, "database_location_v1.6.39")
    assert move.status is Status.FAILED
    assert "disk full" in move.reason
    assert outcome(report, "schema_columns_v1.8.1").status is Status.BLOCKED
    assert snapshot(old, framework=True, databases="bytes") == before
    for name in ("memories.db", "README.md", "project_info.md", ".gitignore"):
        assert not (old_project / ".kuzu-memory" / name).exists()
    assert path_line in config.read_text()  # other migrations ran; this line is the move's


def test_a_failure_between_two_batches_is_undone(
    old_project: Path, load: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    load(UPGRADES, "packs_test_plugin")
    monkeypatch.setenv("PACKS_TEST_VETO", "content_hash_backfill_v1.9.0")
    assert migrate(old_project).ok
    db = old_project / ".kuzu-memory" / "memories.db"
    rows = memory_rows(db)
    assert sum(1 for row in rows if not row["content_hash"]) == 4

    load("packs_midway_plugin")
    monkeypatch.delenv("PACKS_TEST_VETO")
    report = migrate(old_project)

    backfill = outcome(report, "content_hash_backfill_v1.9.0")
    assert backfill.status is Status.FAILED
    assert "after the first batch" in backfill.reason
    assert memory_rows(db) == rows
