"""The runner end to end through the real hooks: order, isolation, undo, exactly once."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import Mode, RunOptions, run
from kuzu_memory_migrations.testing.snapshot import snapshot


def statuses(root: Path, mode: Mode = Mode.APPLY) -> dict[str, Status]:
    report = run(Project(root), RunOptions(mode=mode))
    return {outcome.name: outcome.status for outcome in report.outcomes}


def test_dependencies_order_failures_isolated_and_undone(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    config = project / ".kuzu-memory" / "config.json"
    config.write_text('{"user": "kept"}')
    (project / ".kuzu-memory" / "keep.txt").write_text("precious")

    report = run(Project(project), RunOptions())
    order = [o.name for o in report.outcomes]
    assert order.index("add_alpha") < order.index("add_beta")
    result = {o.name: o for o in report.outcomes}
    assert result["add_alpha"].status is Status.APPLIED
    assert result["add_beta"].status is Status.APPLIED
    assert result["writes_then_fails"].status is Status.FAILED
    assert result["writes_then_raises"].status is Status.FAILED
    assert "exploded mid-way" in result["writes_then_raises"].reason
    assert result["after_failure"].status is Status.BLOCKED
    assert "writes_then_fails" in result["after_failure"].reason
    assert result["independent"].status is Status.APPLIED

    assert json.loads(config.read_text()) == {"user": "kept", "alpha": True, "beta": True}
    assert (project / ".kuzu-memory" / "keep.txt").read_text() == "precious"
    assert not (project / ".kuzu-memory" / "created.txt").exists()
    assert not (project / ".kuzu-memory" / "new").exists()
    assert not (project / ".kuzu-memory" / "moved.json").exists()


def test_second_run_applies_nothing_again(project: Path, use_plugins: Callable[..., None]) -> None:
    use_plugins("ordered_pack")
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    (project / ".kuzu-memory" / "keep.txt").write_text("precious")
    run(Project(project), RunOptions())
    again = statuses(project)
    assert Status.APPLIED not in again.values()
    assert set(again) == {"writes_then_fails", "writes_then_raises", "after_failure"}
    state = json.loads((project / ".kuzu-memory" / "migration_state.json").read_text())
    applied = [e["name"] for e in state["history"] if e["success"]]
    assert sorted(applied) == ["add_alpha", "add_beta", "independent"]


def test_history_entries_keep_the_legacy_shape(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    run(Project(project), RunOptions())
    state = json.loads((project / ".kuzu-memory" / "migration_state.json").read_text())
    legacy_keys = {
        "name",
        "version",
        "migration_type",
        "timestamp",
        "success",
        "message",
        "changes",
    }
    assert state["history"]
    assert all(set(entry) == legacy_keys for entry in state["history"])
    assert {"last_version", "history"} <= set(state)


def test_dry_run_changes_no_byte(project: Path, use_plugins: Callable[..., None]) -> None:
    use_plugins("ordered_pack")
    (project / ".kuzu-memory" / "config.json").write_text('{"user": 1}')
    (project / ".kuzu-memory" / "keep.txt").write_text("precious")
    before = snapshot(project, framework=True, databases="bytes")
    report = run(Project(project), RunOptions(mode=Mode.DRY_RUN))
    assert snapshot(project, framework=True, databases="bytes") == before
    beta = next(o for o in report.outcomes if o.name == "add_beta")
    assert beta.status is Status.PENDING  # it saw alpha's pending change in the overlay
    alpha = next(o for o in report.outcomes if o.name == "add_alpha")
    assert '+  "alpha": true' in alpha.planned[0].diff


def test_a_state_written_by_the_old_system_reruns_nothing(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    legacy = {
        "last_version": "1.12.11",
        "history": [
            {
                "name": name,
                "version": "1.7.0",
                "migration_type": "config",
                "timestamp": "2025-01-01T00:00:00",
                "success": True,
                "message": "ok",
                "changes": [],
            }
            for name in ("add_alpha", "add_beta", "independent")
        ],
    }
    (project / ".kuzu-memory" / "migration_state.json").write_text(json.dumps(legacy))
    result = statuses(project)
    assert "add_alpha" not in result and "independent" not in result
    assert not (project / ".kuzu-memory" / "independent.txt").exists()


def test_a_plan_does_not_judge_what_waits_for_a_pending_dependency(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    report = run(Project(project), RunOptions(mode=Mode.PLAN))
    beta = next(o for o in report.outcomes if o.name == "add_beta")
    assert beta.status is Status.PENDING
    assert beta.reason.startswith("after add_alpha")


def test_a_dependency_on_an_old_name_means_the_migration_that_replaces_it(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("renamed_pack")
    report = run(Project(project), RunOptions())
    assert [(o.name, o.status) for o in report.outcomes] == [
        ("tidy_logs_v2", Status.APPLIED),
        ("needs_old_name", Status.APPLIED),
    ]


def test_a_state_recording_the_old_name_counts_as_applied(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("renamed_pack")
    legacy = {
        "last_version": "1.8.0",
        "history": [
            {
                "name": "tidy_logs",
                "version": "1.8.0",
                "migration_type": "cleanup",
                "timestamp": "2025-01-01T00:00:00",
                "success": True,
                "message": "ok",
                "changes": [],
            }
        ],
    }
    (project / ".kuzu-memory" / "migration_state.json").write_text(json.dumps(legacy))
    result = statuses(project)
    assert result == {"needs_old_name": Status.APPLIED}
    assert not (project / ".kuzu-memory" / "renamed.txt").exists()


def test_a_plan_warns_of_a_crashed_migration_and_the_next_run_undoes_it(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    from kuzu_memory_migrations.engine.layout import ProjectLayout
    from kuzu_memory_migrations.engine.protocol import new_journal

    use_plugins("ordered_pack")
    config = project / ".kuzu-memory" / "config.json"
    config.write_text('{"user": 1}')
    layout = ProjectLayout(project)
    layout.ensure_work_dir()
    # What a kill -9 in the middle of add_alpha leaves: a journal without its commit.
    journal = new_journal(layout, "crashed-add_alpha", migration="add_alpha")
    journal.snapshot(config)
    config.write_text('{"user": 1, "half": true}')

    plan = run(Project(project), RunOptions(mode=Mode.PLAN))
    assert any("a run stopped during add_alpha" in p for p in plan.problems), plan.problems
    assert config.read_text() == '{"user": 1, "half": true}'  # a plan changes nothing

    report = run(Project(project), RunOptions())
    assert report.outcomes[0].name == "add_alpha"
    assert report.outcomes[0].status is Status.INTERRUPTED
    assert json.loads(config.read_text()) == {"user": 1, "alpha": True, "beta": True}


@pytest.mark.parametrize("enabled", [True, False], ids=["host-collects", "host-paused-it"])
def test_a_plan_gives_the_garbage_collector_back_as_it_found_it(
    project: Path, use_plugins: Callable[..., None], enabled: bool
) -> None:
    """Paused while the catalog and the plan are built (they made planning superlinear),
    then exactly as the host had it, even when pack code raises."""
    use_plugins("ordered_pack", "reliability_bad_pack")
    (gc.enable if enabled else gc.disable)()
    try:
        plan = run(Project(project), RunOptions(mode=Mode.PLAN))
        assert plan.outcomes and any(o.status is Status.FAILED for o in plan.outcomes)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
