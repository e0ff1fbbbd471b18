"""Packs as users get them: built wheels, pip-installed into a fresh virtualenv, found
through their entry points, driven through the installed `kuzu-memory-migrations`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from installed import PackEnv
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.state import read_records

pytestmark = pytest.mark.slow

LEGACY_KEYS = {"name", "version", "migration_type", "timestamp", "success", "message", "changes"}
MAIN_SET = ("pack-a", "pack-b", "pack-broken", "pack-invalid", "pack-fail")
NO_FAIL = {"KUZU_MEMORY_MIGRATIONS_DISABLE": "pack-fail"}


@pytest.fixture
def main_set(pack_env: PackEnv, wheels: dict[str, Path]) -> PackEnv:
    pack_env.use(wheels, *MAIN_SET)
    return pack_env


def names(outcomes: list[dict[str, object]]) -> set[object]:
    return {outcome["name"] for outcome in outcomes}


def test_plugins_lists_every_pack_and_a_broken_one_with_its_error(
    main_set: PackEnv, project: Path
) -> None:
    data = main_set.json(project, "plugins")
    rows = {row["name"]: row for row in data["plugins"]}
    assert {"pack-a", "pack-b", "pack-broken", "pack-invalid", "pack-fail"} <= set(rows)
    assert rows["pack-a"] | {"entry_point": None} == {
        "name": "pack-a",
        "distribution": "kmm-it-pack-a",
        "version": "1.0.0",
        "entry_point": None,
        "state": "loaded",
        "error": None,
        "migrations": 2,
    }
    assert rows["pack-b"]["state"] == "loaded"
    broken = rows["pack-broken"]
    assert (broken["distribution"], broken["version"], broken["state"]) == (
        "kmm-it-pack-broken",
        "1.0.0",
        "error",
    )
    assert "cannot be imported (on purpose)" in broken["error"]
    assert rows["pack-invalid"]["migrations"] == 1  # the valid class still counts
    invalid = [p for p in data["problems"] if "BadPriority" in p]
    assert invalid and "kmm-it-pack-invalid 1.0.0" in invalid[0] and "priority" in invalid[0]

    table = main_set.cli(project, "plugins").stdout
    for expected in ("kmm-it-pack-a", "1.0.0", "kmm-it-pack-broken", "error", "cannot be imported"):
        assert expected in table


def test_disable_option_and_environment_block_packs(main_set: PackEnv, project: Path) -> None:
    by_option = main_set.json(project, "--disable-plugin", "pack-b", "plugins")
    states = {row["name"]: row["state"] for row in by_option["plugins"]}
    assert states["pack-b"] == "blocked" and states["pack-a"] == "loaded"

    by_env = main_set.json(
        project, "status", env={"KUZU_MEMORY_MIGRATIONS_DISABLE": "kmm-it-pack-a,pack-broken"}
    )  # dist or entry point
    pending = names(by_env["pending"])
    assert not pending & {"a_create_trail", "a_extend_trail"}
    assert not any("pack-broken" in p for p in by_env["problems"])
    blocked = {m["name"]: m for m in by_env["migrations"] if m["status"] == "blocked"}
    assert "a_extend_trail" in blocked["b_after_pack_a"]["reason"]  # its dependency is gone


def test_no_autoload_loads_only_the_named_pack(main_set: PackEnv, project: Path) -> None:
    data = main_set.json(project, "--no-autoload", "-p", "pack-a", "plugins")
    states = {row["name"]: row["state"] for row in data["plugins"]}
    assert states["pack-a"] == "loaded"
    assert {states[n] for n in ("pack-b", "pack-broken", "pack-invalid", "pack-fail")} == {
        "not loaded"
    }
    status = main_set.json(project, "--no-autoload", "-p", "pack-a", "status")
    assert names(status["pending"]) == {"a_create_trail", "a_extend_trail"}
    assert status["problems"] == []


def test_status_run_history_in_dependency_order_across_packs(
    main_set: PackEnv, project: Path
) -> None:
    status = main_set.json(project, "status", env=NO_FAIL)
    assert names(status["pending"]) == {
        "a_create_trail",
        "a_extend_trail",
        "b_after_pack_a",
        "invalid_pack_still_fine",
    }
    assert "a_create_trail" in main_set.cli(project, "status", env=NO_FAIL).stdout

    done = main_set.cli(project, "run", env=NO_FAIL)
    assert "4 applied" in done.stdout
    trail = (project / ".kuzu-memory" / "trail.txt").read_text().split()
    assert trail == ["a_create_trail", "a_extend_trail", "b_after_pack_a"]

    state = json.loads((project / ".kuzu-memory" / "migration_state.json").read_text())
    assert len(state["history"]) == 4
    assert all(set(entry) == LEGACY_KEYS for entry in state["history"])
    assert set(state) == {"last_version", "history"}  # our records live in our own folder
    records = read_records(ProjectLayout(project))
    assert records.migrated_versions()["kmm-it-pack-a"] == "1.0.0"

    again = main_set.json(project, "run", env=NO_FAIL)
    assert [o for o in again["outcomes"] if o["status"] == "applied"] == []
    assert main_set.json(project, "status", env=NO_FAIL)["pending"] == []

    history = main_set.json(project, "history")
    provenance = {e["name"]: e["provenance"] for e in history}
    assert provenance["b_after_pack_a"]["distribution"] == "kmm-it-pack-b"
    assert provenance["a_create_trail"]["distribution_version"] == "1.0.0"
    assert provenance["a_create_trail"]["how"] == "run"
    assert provenance["a_create_trail"]["fingerprint"].startswith("ast1:")  # ast1:<sha256>
    verbose = main_set.cli(project, "history", "--verbose").stdout
    assert "kmm-it-pack-b 1.0.0 via run" in verbose


def test_exit_codes_failure_and_usage(main_set: PackEnv, project: Path) -> None:
    failed = main_set.json(project, "run", code=1)
    outcome = {o["name"]: o for o in failed["outcomes"]}["fail_writes_then_fails"]
    assert outcome["status"] == "failed" and outcome["distribution"] == "kmm-it-pack-fail"
    assert not (project / ".kuzu-memory" / "half-done.txt").exists()  # undone
    assert (project / ".kuzu-memory" / "trail.txt").exists()  # the others still ran

    assert main_set.cli(project, "run", "--type", "nonsense", code=64).returncode == 64
    assert main_set.cli(project, "status", "--no-such-option", code=64).returncode == 64


def test_python_dash_m_runs_the_same_app(main_set: PackEnv, project: Path) -> None:
    done = main_set.run(
        "python",
        "-m",
        "kuzu_memory_migrations",
        "status",
        "--json",
        "--project-root",
        str(project),
        env=NO_FAIL,
    )
    assert done.returncode == 0, done.stderr
    assert "a_create_trail" in names(json.loads(done.stdout)["pending"])


HOST = '''
import click
from kuzu_memory_migrations.cli import click_command


@click.group()
def host() -> None:
    """A host application with its own click CLI."""


host.add_command(click_command())

if __name__ == "__main__":
    host()
'''


def test_mounted_in_a_click_host_group(main_set: PackEnv, project: Path, tmp_path: Path) -> None:
    script = tmp_path / "host.py"
    script.write_text(HOST)
    done = main_set.run(
        "python",
        str(script),
        "migrations",
        "status",
        "--json",
        "--project-root",
        str(project),
        env=NO_FAIL,
    )
    assert done.returncode == 0, done.stderr
    assert "b_after_pack_a" in names(json.loads(done.stdout)["pending"])
    helped = main_set.run("python", str(script), "migrations", "--help")
    assert helped.returncode == 0 and "status" in helped.stdout


def test_missing_dependency_names_the_pack_and_a_cycle_names_both(
    pack_env: PackEnv, wheels: dict[str, Path], project: Path
) -> None:
    pack_env.use(wheels, "pack-b", "cycle-x", "cycle-y")
    status = pack_env.json(project, "status")
    why = {m["name"]: m["reason"] for m in status["migrations"] if m["status"] == "blocked"}
    assert "a_extend_trail" in why["b_after_pack_a"]
    assert "install kmm-it-pack-a" in why["b_after_pack_a"]  # read from pack-b's Requires-Dist
    for name in ("x_needs_y", "y_needs_x"):
        assert "cycle" in why[name]
        assert "x_needs_y" in why[name] and "y_needs_x" in why[name]
    assert pack_env.cli(project, "run", code=1).returncode == 1


def test_a_name_clash_between_packs_runs_neither(
    pack_env: PackEnv, wheels: dict[str, Path], project: Path
) -> None:
    pack_env.use(wheels, "pack-a", "pack-collide")
    status = pack_env.json(project, "status")
    clash = [p for p in status["problems"] if "a_create_trail" in p]
    assert clash and "kmm-it-pack-a 1.0.0" in clash[0] and "kmm-it-pack-collide 1.0.0" in clash[0]
    assert "a_create_trail" not in names(status["pending"])
    pack_env.cli(project, "run", code=1)  # a_extend_trail is blocked: its dependency clashed
    assert not (project / ".kuzu-memory" / "trail.txt").exists()
