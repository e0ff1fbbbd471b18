"""`SystemExit`, `KeyboardInterrupt`, any BaseException from pack code fails that pack or
migration, naming it; the rest goes on, `auto_migrate` never raises, the CLI never dies."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from kuzu_memory_migrations import auto_migrate
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
from reliability_support import environment

PACKS = ("exit_pack", "exit_at_import_pack")
EXPECTED = {
    "rel_exits_in_migrate": "SystemExit: 3",
    "rel_interrupts_in_migrate": "KeyboardInterrupt: raised by pack code",
    "rel_exits_in_check": "SystemExit: bye from check_applicable",
    "rel_exits_in_constructor": "SystemExit: bye from __init__",
}


def test_a_run_goes_on_past_pack_code_that_tries_to_exit(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins(*PACKS)
    report = run(Project(project), RunOptions())
    final = report.final()
    for name, fragment in EXPECTED.items():
        assert final[name].status is Status.FAILED, final[name]
        assert fragment in final[name].reason and "exit_pack.py" in final[name].reason
    assert final["rel_fine_after_exits"].status is Status.APPLIED
    assert not (project / ".kuzu-memory" / "half-written.txt").exists()  # undone
    assert any("exit_at_import_pack" in p and "SystemExit" in p for p in report.problems)
    assert any("run_finished" in p and "bye from run_finished" in p for p in report.problems)


def test_auto_migrate_reports_instead_of_exiting(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins(*PACKS)
    startup = auto_migrate(project)
    assert startup.status == "done"
    assert set(startup.failed) == set(EXPECTED)
    assert startup.applied == ("rel_fine_after_exits",)


def test_the_cli_says_what_each_pack_did(project: Path, isolated_environment: Path) -> None:
    env = environment(isolated_environment, *PACKS)
    for command in (["status"], ["run"]):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kuzu_memory_migrations",
                *command,
                "--project-root",
                str(project),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert "Traceback" not in done.stderr, done.stderr
        assert "exit_at_import_pack" in done.stdout + done.stderr
        if command == ["run"]:
            assert done.returncode == 1
            assert "rel_exits_in_migrate" in done.stdout
        else:
            assert done.returncode == 0
