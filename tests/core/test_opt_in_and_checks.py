"""Opt-in migrations and what waits for them; what a check can tell in a preview (a check
that tries to write, one that reads a column a pending migration has yet to add)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from kuzu_memory_migrations import (
    DataMigration,
    Migration,
    MigrationResult,
    SchemaMigration,
)
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.overview import overview, verdict
from kuzu_memory_migrations.testing.harness import MigrationHarness, PackOf

MARKER = ".kuzu-memory/written-by-a-check.txt"


class Optional(Migration):
    name = "rel_optional"
    opt_in = True

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/optional.txt", "asked for")
        return MigrationResult(success=True, message="done when asked")


class AfterOptional(Migration):
    name = "rel_after_optional"
    depends_on: ClassVar[list[str]] = ["rel_optional"]

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/after.txt", "after")
        return MigrationResult(success=True, message="after the optional one")


class WritesInItsCheck(Migration):
    name = "rel_writes_in_its_check"

    def check_applicable(self) -> bool:
        (self.project_root / MARKER).write_text("a check should only look")
        return True

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="ran")


class AddsAColumn(SchemaMigration):
    name = "rel_adds_a_column"
    priority = 10

    def check_applicable(self) -> bool:
        return "rel_mark" not in self.table_columns("Memory")

    def migrate(self) -> MigrationResult:
        self.execute_cypher("ALTER TABLE Memory ADD rel_mark STRING DEFAULT ''")
        return MigrationResult(success=True, message="column rel_mark added")


class FillsTheColumn(DataMigration):
    """Of another pack, so it cannot declare the dependency: it waits by priority only."""

    name = "rel_fills_the_column"
    priority = 20

    def check_applicable(self) -> bool:
        return "rel_mark" in self.table_columns("Memory")

    def migrate(self) -> MigrationResult:
        self.execute_cypher("MATCH (m:Memory) SET m.rel_mark = 'filled'")
        return MigrationResult(success=True, message="rel_mark filled")


def test_what_depends_on_an_opt_in_migration_waits_for_it_and_is_not_pending(
    project: Path, kuzu_home: Path
) -> None:
    harness, pack = MigrationHarness(), PackOf(Optional, AfterOptional)
    report = harness.run(project, extra=[pack])
    found = {o.name: o for o in report.outcomes}
    assert found["rel_optional"].status is Status.OPT_IN
    waiting = found["rel_after_optional"]
    assert waiting.status is Status.OPT_IN, waiting.reason
    assert "waits for rel_optional" in waiting.reason and "--include rel_optional" in waiting.reason
    assert report.ok and not (project / ".kuzu-memory" / "after.txt").exists()
    assert verdict(overview(harness.project(project, extra=[pack])), strict=True).exit_code == 0

    asked = harness.run(project, include=["rel_optional"], extra=[pack])
    assert {o.name: o.status for o in asked.outcomes} == {
        "rel_optional": Status.APPLIED,
        "rel_after_optional": Status.APPLIED,
    }


def test_a_plan_says_a_writing_check_is_not_previewable_and_writes_nothing(
    project: Path, kuzu_home: Path
) -> None:
    plan = overview(MigrationHarness().project(project, extra=[PackOf(WritesInItsCheck)])).plan
    (outcome,) = plan.outcomes
    assert outcome.status is Status.PENDING, outcome.reason
    assert "not previewable" in outcome.reason and Path(MARKER).name in outcome.reason
    assert [a.path for a in outcome.not_previewable] == [str(project / MARKER)]
    assert not (project / MARKER).exists()


def test_a_preview_says_a_check_may_answer_otherwise_after_the_schema_changes_before_it(
    kuzu_project_1_12: Path, kuzu_home: Path
) -> None:
    """A preview applies nothing, so the data migration's check sees no column yet: the
    plan must not flatly say there is nothing to do when the run will do it."""
    harness, pack = MigrationHarness(), PackOf(AddsAColumn, FillsTheColumn)
    plan = overview(harness.project(kuzu_project_1_12, extra=[pack])).plan
    dry_run = harness.run(kuzu_project_1_12, dry_run=True, extra=[pack])
    for preview in (plan, dry_run):
        found = {o.name: o for o in preview.outcomes if o.name in NAMES}
        assert found["rel_adds_a_column"].status is Status.PENDING
        later = found["rel_fills_the_column"]
        assert later.status is Status.NOT_APPLICABLE
        assert "rel_adds_a_column, pending before it, may change that" in later.reason
    applied = harness.run(kuzu_project_1_12, extra=[pack])
    assert {o.name: o.status for o in applied.outcomes if o.name in NAMES} == dict.fromkeys(
        NAMES, Status.APPLIED
    )


NAMES = ("rel_adds_a_column", "rel_fills_the_column")
