"""Bad input of every kind: each is reported with the file, pack or migration responsible, its
effects are undone, nothing else is harmed, and the rest still runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations import auto_migrate
from kuzu_memory_migrations.contract.reports import RunReport, Status
from kuzu_memory_migrations.engine.errors import StateError
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
from kuzu_memory_migrations.engine.state import read_records
from reliability_support import environment

BAD_PACKS = ("reliability_bad_pack", "reliability_twin_pack", "reliability_broken_pack")


def run_bad_packs(project: Path, use_plugins: Callable[..., None]) -> RunReport:
    use_plugins(*BAD_PACKS)
    report = run(Project(project), RunOptions())
    good = next(o for o in report.outcomes if o.name == "rel_good")
    assert good.status is Status.APPLIED, "one bad migration stopped a good one"
    return report


def reason_of(report: RunReport, name: str) -> tuple[Status, str]:
    outcome = next(o for o in report.outcomes if o.name == name)
    return outcome.status, outcome.reason


MIGRATION_CASES = {
    "migration raises": ("rel_raises", Status.FAILED, ["ValueError", "broke after one write"]),
    "migration returns None": ("rel_returns_none", Status.FAILED, ["rel_returns_none", "None"]),
    "check hook raises": (
        "rel_check_hook_raises",
        Status.FAILED,
        ["check_migration", "reliability_bad_pack", "check hook exploded"],
    ),
    "check hook returns junk": (
        "rel_check_hook_junk",
        Status.FAILED,
        ["reliability_bad_pack", "'maybe'"],
    ),
    "apply hook raises": ("rel_apply_hook_raises", Status.FAILED, ["apply hook exploded"]),
    "apply hook returns junk": ("rel_apply_hook_junk", Status.FAILED, ["42", "MigrationResult"]),
    "dependency cycle": ("rel_cycle_1", Status.BLOCKED, ["rel_cycle_1", "rel_cycle_2", "cycle"]),
    "missing dependency": ("rel_needs_missing", Status.BLOCKED, ["not_installed_anywhere"]),
    "path escape": ("rel_escapes", Status.FAILED, ["rel_escapes", "escaped.txt", "outside"]),
}


@pytest.mark.parametrize("case", list(MIGRATION_CASES))
def test_a_misbehaving_migration_or_hook_is_isolated(
    case: str, project: Path, use_plugins: Callable[..., None]
) -> None:
    name, status, fragments = MIGRATION_CASES[case]
    report = run_bad_packs(project, use_plugins)
    found, reason = reason_of(report, name)
    assert found is status, reason
    for fragment in fragments:
        assert fragment in reason, f"{case}: {fragment!r} not in {reason!r}"
    leftovers = {"half.txt", "none.txt"} & {p.name for p in (project / ".kuzu-memory").iterdir()}
    assert not leftovers and not (project.parent / "escaped.txt").exists()


PACK_CASES = {
    "pack fails to import": ["reliability_broken_pack", "ModuleNotFoundError"],
    "invalid version attribute": ["reliability_bad_pack", "BadVersion", "PEP 440"],
    "invalid priority attribute": ["reliability_bad_pack", "BadPriority", "priority"],
    "duplicate name across packs": ["rel_twin", "reliability_bad_pack", "reliability_twin_pack"],
}


@pytest.mark.parametrize("case", list(PACK_CASES))
def test_a_broken_pack_is_reported_and_the_others_run(
    case: str, project: Path, use_plugins: Callable[..., None]
) -> None:
    report = run_bad_packs(project, use_plugins)
    assert any(all(f in problem for f in PACK_CASES[case]) for problem in report.problems), (
        report.problems
    )


CONFIG_CASES = {
    "config invalid JSON": (b'{\n  "a": 1,\n  "b": \n}\n', ["settings.json:4:", "invalid JSON"]),
    "config not an object": (b"[1, 2, 3]\n", ["settings.json", "expected a JSON object"]),
    "config not UTF-8": (b'{"a": "\xff\xfe"}', ["settings.json", "UTF-8"]),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_a_bad_config_file_fails_its_migration_and_stays_untouched(
    case: str, project: Path, use_plugins: Callable[..., None]
) -> None:
    content, fragments = CONFIG_CASES[case]
    settings = project / ".kuzu-memory" / "settings.json"
    settings.write_bytes(content)
    report = run_bad_packs(project, use_plugins)
    status, reason = reason_of(report, "rel_reads_settings")
    assert status is Status.FAILED
    for fragment in fragments:
        assert fragment in reason, reason
    assert settings.read_bytes() == content


def test_a_huge_config_file_is_migrated_whole(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    settings = project / ".kuzu-memory" / "settings.json"
    huge = {"entries": [{"id": i, "text": "x" * 100} for i in range(150_000)]}  # ~20 MB
    settings.write_text(json.dumps(huge))
    report = run_bad_packs(project, use_plugins)
    assert reason_of(report, "rel_reads_settings")[0] is Status.APPLIED
    migrated = json.loads(settings.read_text())
    assert migrated["added"] is True and len(migrated["entries"]) == 150_000


STATE_CASES = {
    "state file empty": (b"", "corrupt"),
    "state file truncated": (
        b'{"last_version": "1.7.0", "history": [{"name": "a", "ver',
        "corrupt",
    ),
    "state file wrong types": (b'{"last_version": "1.7.0", "history": {"name": 5}}', "history"),
    "state file entry of the wrong shape": (b'{"history": [{"name": 5}]}', "history[0]"),
    "state file not an object": (b'["history"]', "a JSON object expected"),
    "state file nested 100,000 levels deep": (b"[" * 100_000 + b"]" * 100_000, "too deeply"),
    "state file not UTF-8": (b'{"last_version": "\xff\xfe"}', "not UTF-8"),
}


@pytest.mark.parametrize("case", list(STATE_CASES))
def test_a_bad_state_file_is_refused_kept_and_explained(
    case: str, project: Path, use_plugins: Callable[..., None], isolated_environment: Path
) -> None:
    content, fragment = STATE_CASES[case]
    state = project / ".kuzu-memory" / "migration_state.json"
    state.write_bytes(content)
    use_plugins("reliability_bad_pack")
    with pytest.raises(StateError) as refused:
        run(Project(project), RunOptions())
    message = str(refused.value)
    assert str(state) in message and fragment in message
    assert "reset" in message or "upgrade" in message  # the way out
    startup = auto_migrate(project)
    assert startup.status == "error" and str(state) in startup.message
    cli = subprocess.run(
        [sys.executable, "-m", "kuzu_memory_migrations", "run", "--project-root", str(project)],
        env=environment(isolated_environment, "reliability_bad_pack"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 1 and str(state) in cli.stderr
    assert "Traceback" not in cli.stderr and len(cli.stderr.strip().splitlines()) == 1
    assert state.read_bytes() == content
    assert not (project / ".kuzu-memory" / "good.txt").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to mount a read-only file system")
def test_a_read_only_project_fails_cleanly(
    tmpfs: Callable[[str], Path], use_plugins: Callable[..., None], isolated_environment: Path
) -> None:
    root = tmpfs("4m")
    (root / ".kuzu-memory").mkdir()
    (root / ".kuzu-memory" / "config.json").write_text("{}")
    subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
    use_plugins("reliability_bad_pack")
    startup = auto_migrate(root)
    assert startup.status == "error" and "Read-only file system" in startup.message
    cli = subprocess.run(
        [sys.executable, "-m", "kuzu_memory_migrations", "run", "--project-root", str(root)],
        env=environment(isolated_environment, "reliability_bad_pack"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 1 and "Read-only file system" in cli.stderr
    assert str(root) in cli.stderr and "Traceback" not in cli.stderr


def test_a_full_disk_fails_the_migration_and_undoes_it(
    tmpfs: Callable[[str], Path], use_plugins: Callable[..., None]
) -> None:
    root = tmpfs("2m")
    settings = root / ".kuzu-memory" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({"blob": "y" * 900_000}))  # a copy and a rewrite do not fit
    before = settings.read_bytes()
    use_plugins("reliability_bad_pack")
    report = run(Project(root), RunOptions())
    status, reason = reason_of(report, "rel_reads_settings")
    assert status is Status.FAILED and "No space left on device" in reason, reason
    assert str(root) in reason
    assert settings.read_bytes() == before
    assert not [p for p in root.rglob("*") if ".kmm-" in p.name]


def test_the_records_refuse_what_the_runner_refuses(project: Path) -> None:
    (project / ".kuzu-memory" / "migration_state.json").write_bytes(b"{")
    with pytest.raises(StateError):
        read_records(Project(project).layout)
