"""Database work is undone (transaction or file snapshot), and a database held open defers
it: with Kuzu and with LadybugDB (the `engine` fixture runs each test on both)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kuzu_memory_migrations import DataMigration, Migration, MigrationResult, auto_migrate, hookimpl
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.errors import RollbackRefused
from kuzu_memory_migrations.engine.overview import overview, verdict
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.rollback import rollback_applied
from kuzu_memory_migrations.engine.runner import RunOptions, run
from kuzu_memory_migrations.engine.state import read_records
from kuzu_memory_migrations.testing.harness import MigrationHarness
from kuzu_memory_migrations.testing.projects import (
    build_project_1_12,
    held_open,
    table_columns,
    table_names,
)
from kuzu_memory_migrations.testing.snapshot import database_digest
from reliability_support import PRIVATE


@pytest.fixture
def database(tmp_path: Path, use_plugins: Callable[..., None], engine: str) -> Path:
    use_plugins("reliability_db_pack")
    return build_project_1_12(tmp_path / "project", engine=engine)


def statuses(root: Path) -> dict[str, tuple[Status, str]]:
    report = run(Project(root), RunOptions())
    return {o.name: (o.status, o.reason) for o in report.outcomes}


def test_failed_database_work_is_undone_both_ways(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = database_digest(database)
    monkeypatch.setenv("KMM_DB_FAIL", "1")
    found = statuses(database.parent.parent)
    assert all(status is Status.FAILED for status, _ in found.values()), found
    assert database_digest(database) == before
    assert not database.with_name("memories.db.wal").exists()


def test_applied_database_work_rolls_back_only_from_a_snapshot(database: Path) -> None:
    root = database.parent.parent
    before = database_digest(database)
    found = statuses(root)
    assert all(status is Status.APPLIED for status, _ in found.values()), found
    assert "rel_flag" in table_columns(database, "Memory")
    assert "RelNote" in table_names(database)

    with pytest.raises(RollbackRefused, match="in a transaction"):
        rollback_applied(Project(root), "rel_schema_transaction")
    with pytest.raises(
        RollbackRefused,
        match=r"applied after it changed the same database or files \(rel_schema_snapshot_later: ",
    ):
        rollback_applied(Project(root), "rel_schema_snapshot", force=True)  # later work
    with pytest.raises(RollbackRefused, match="discards every later change"):
        rollback_applied(Project(root), "rel_schema_snapshot_later")
    rollback_applied(Project(root), "rel_schema_snapshot_later", force=True)
    assert "RelLater" not in table_names(database) and "RelNote" in table_names(database)
    rollback_applied(Project(root), "rel_schema_snapshot", force=True)
    assert "RelNote" not in table_names(database)
    assert "rel_flag" in table_columns(database, "Memory")  # the earlier work stays
    assert database_digest(database) != before
    records = read_records(Project(root).layout)
    assert not records.applied_among(["rel_schema_snapshot"])


@pytest.fixture
def held(database: Path) -> Iterator[Path]:
    with held_open(database):
        yield database


def test_a_database_held_open_defers_and_is_retried_later(held: Path) -> None:
    root = held.parent.parent
    before = held.read_bytes()
    found = statuses(root)
    for name in found:
        status, reason = found[name]
        assert status is Status.DEFERRED, reason
        assert str(held) in reason and "held open by another process" in reason
    assert held.read_bytes() == before, "a deferred migration touched the database"
    records = read_records(Project(root).layout)
    assert not records.failures() and not records.applied_among(found)
    assert not list((root / PRIVATE).glob("journal/*"))
    startup = auto_migrate(root)  # within the back-off: not "idle", there is work
    assert (startup.status, startup.ok) == ("waiting", True), startup
    assert "held open by another process" in startup.message


class ReadsInItsCheck(DataMigration):
    """Whether it has work is known only from the database itself."""

    name = "rel_reads_in_its_check"

    def check_applicable(self) -> bool:
        return "RelNeverThere" not in self.tables()

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="nothing to do")


class ReadsPack:
    @hookimpl
    def register_migrations(self) -> list[type[Migration]]:
        return [ReadsInItsCheck]


@pytest.mark.parametrize("engine", ["kuzu"])  # LadybugDB reads beside a writer: no deferral
def test_check_counts_deferred_work_as_pending(held: Path) -> None:
    """A CI gate must not pass a project whose work only waits for the database."""
    root = held.parent.parent
    project = MigrationHarness(plugins=("reliability_db_pack",)).project(root, extra=[ReadsPack()])
    found = verdict(overview(project), strict=False)
    assert found.data["deferred"] == ["rel_reads_in_its_check"], found.line
    assert found.exit_code == 2 and "1 deferred" in found.line


def test_after_the_holder_lets_go_the_deferred_work_applies(database: Path) -> None:
    root = database.parent.parent
    with held_open(database):
        assert {s for s, _ in statuses(root).values()} == {Status.DEFERRED}
    assert {s for s, _ in statuses(root).values()} == {Status.APPLIED}
