"""auto_migrate: applies what is pending, then answers idle; never raises; no retry loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kuzu_memory_migrations import auto_migrate
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.locking import project_lock
from kuzu_memory_migrations.engine.state import read_records


def prepare(project: Path) -> None:
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    (project / ".kuzu-memory" / "keep.txt").write_text("precious")


def test_applies_then_is_idle(project: Path, use_plugins: Callable[..., None]) -> None:
    use_plugins("ordered_pack")
    prepare(project)
    first = auto_migrate(project)
    assert first.status == "done"
    assert set(first.applied) == {"add_alpha", "add_beta", "independent"}
    assert set(first.failed) == {"writes_then_fails", "writes_then_raises", "after_failure"}
    assert not first.ok
    # Plugin selection through the environment is part of the idle token: same env, idle.
    assert auto_migrate(project).status == "idle"


def test_failures_are_not_retried_at_every_start(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    prepare(project)
    auto_migrate(project)
    ProjectLayout(project).idle_stamp.unlink()  # force the slow path
    again = auto_migrate(project)
    assert again.status == "done" and not again.applied
    records = read_records(ProjectLayout(project))
    assert records.failures()["writes_then_fails"].count == 1  # skipped, not run again


def test_a_held_lock_is_skipped_not_waited_for(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    prepare(project)
    with project_lock(ProjectLayout(project), wait=0):
        report = auto_migrate(project)
    assert report.status == "locked"
    assert "lock" in report.message
    assert not (project / ".kuzu-memory" / "independent.txt").exists()


def test_a_corrupt_state_is_reported_not_raised(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    state = project / ".kuzu-memory" / "migration_state.json"
    state.write_text("{ not json")
    report = auto_migrate(project)
    assert report.status == "error"
    assert str(state) in report.message
    assert state.read_text() == "{ not json"


def test_a_folder_that_is_no_project_is_left_alone(tmp_path: Path) -> None:
    report = auto_migrate(tmp_path)
    assert report.status == "not_a_project"
    assert list(tmp_path.iterdir()) == []
