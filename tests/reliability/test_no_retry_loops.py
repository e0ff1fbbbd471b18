"""No retry loops at start-up, bounded history, and a lock that says who holds it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import reliability_slow_pack as slow
from kuzu_memory_migrations import auto_migrate
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
from reliability_support import AUTO, cli, environment, failures_of, start, state_of


def test_start_up_does_not_rerun_a_failure_an_explicit_run_does(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("reliability_bad_pack")
    layout = ProjectLayout(project)
    for _ in range(5):
        layout.idle_stamp.unlink(missing_ok=True)  # as if a pack changed: the slow path
        auto_migrate(project)
    assert failures_of(project)["rel_raises"]["count"] == 1
    for _ in range(3):
        run(Project(project), RunOptions())
    assert failures_of(project)["rel_raises"]["count"] == 4
    assert "rel_raises" not in [e["name"] for e in state_of(project)["history"]]


def test_an_explicit_run_waits_then_names_who_holds_the_lock(
    tmp_path: Path, isolated_environment: Path
) -> None:
    root = tmp_path / "project"
    slow.seed(root)
    env = environment(isolated_environment, "reliability_slow_pack", KMM_SLOW_DELAY="1")
    holder = cli(root, env, "run")
    owner = ProjectLayout(root).lock_owner_file
    deadline = time.monotonic() + 30
    while not owner.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    waiter = cli(root, env, "run", "--lock-timeout", "0.3")
    _, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 75  # deferred: a later run does the work
    assert f"pid {holder.pid}" in err and "waited 0.3 s" in err and "Traceback" not in err
    startup = auto_migrate(root)
    assert startup.status == "locked" and f"pid {holder.pid}" in startup.message
    holder.terminate()
    holder.communicate(timeout=60)


def test_a_migration_that_kills_its_process_is_not_retried_at_every_start(
    project: Path, isolated_environment: Path
) -> None:
    """Interrupted twice, it waits for a new pack version or an explicit run."""
    config = project / ".kuzu-memory" / "config.json"
    config.write_text('{"user": "kept"}')
    env = environment(isolated_environment, "reliability_crash_pack")
    codes, statuses = [], []
    for _ in range(4):
        starting = start(AUTO, project, env)
        out, _ = starting.communicate(timeout=60)
        codes.append(starting.returncode)
        statuses.append(out.split(" ")[0] if out else "")
    assert codes == [-9, -9, 0, 0], codes  # crashed, retried once, then left alone
    assert statuses[2:] == ["done", "idle"]
    assert config.read_text() == '{"user": "kept"}'
    failure = failures_of(project)["rel_crashes"]
    assert failure["interrupted"] and failure["count"] == 2
    explicit = cli(project, env, "run")
    explicit.communicate(timeout=60)
    assert explicit.returncode == -9  # an explicit run does retry it
