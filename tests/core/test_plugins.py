"""Loading packs: broken ones are reported by name and stop nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kuzu_memory_migrations import Migration, MigrationResult
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.project import PluginSelection, Project
from kuzu_memory_migrations.engine.runner import Mode, RunOptions, run
from kuzu_memory_migrations.testing.harness import MigrationHarness, PackOf


def test_a_pack_that_fails_to_import_is_reported_and_others_load(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("broken_import", "ordered_pack")
    loaded = Project(project)
    broken = loaded.plugins.record_of("broken_import")
    assert broken.error is not None and "broken on purpose" in broken.error
    assert "add_alpha" in loaded.catalog.entries
    assert any("broken_import" in line for line in loaded.problems)


def test_invalid_classes_are_reported_with_their_pack_and_class(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("bad_classes", "ordered_twin")
    loaded = Project(project)
    problems = "\n".join(loaded.problems)
    assert "NoName" in problems and "name" in problems
    assert "BadVersion" in problems and "PEP 440" in problems
    assert "BadPriority" in problems and "priority" in problems
    assert "'not a class'" in problems
    assert "'twin' is defined by bad_classes and ordered_twin" in problems
    assert set(loaded.catalog.entries) == {"fine_one"}


def test_disabled_plugins_are_not_loaded(project: Path, use_plugins: Callable[..., None]) -> None:
    use_plugins("ordered_pack", "bad_classes")
    loaded = Project(project, PluginSelection(disabled=("bad_classes",)))
    assert loaded.plugins.record_of("bad_classes").blocked
    assert "fine_one" not in loaded.catalog.entries
    assert not loaded.problems


def test_hooks_that_misbehave_are_attributed_to_their_plugin(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack", "veto_and_junk")
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    report = run(Project(project), RunOptions(mode=Mode.PLAN))
    outcome = {o.name: o for o in report.outcomes}
    assert outcome["independent"].status is Status.VETOED
    assert "veto_and_junk" in outcome["independent"].reason
    assert outcome["add_alpha"].status is Status.FAILED
    assert "returned 'yes please'" in outcome["add_alpha"].reason
    assert outcome["add_beta"].status is Status.BLOCKED  # its dependency's check failed
    assert outcome["writes_then_raises"].status is Status.FAILED
    assert "check_migration of veto_and_junk raised" in outcome["writes_then_raises"].reason
    assert "checker crashed" in outcome["writes_then_raises"].reason
    assert any("register_migrations() returned dict" in p for p in report.problems)


def test_a_class_a_pack_lists_twice_is_one_migration_not_a_name_clash(project: Path) -> None:
    class Once(Migration):
        name = "rel_listed_twice"

        def migrate(self) -> MigrationResult:
            return MigrationResult(success=True, message="once")

    loaded = MigrationHarness().project(project, extra=[PackOf(Once, Once)])
    assert loaded.catalog.entries["rel_listed_twice"].cls is Once
    assert not [p for p in loaded.problems if "rel_listed_twice" in p]
