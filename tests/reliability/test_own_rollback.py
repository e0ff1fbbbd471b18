"""A failed migration's own `rollback()` runs before the journal undoes the rest, for what
no journal holds (here a file a subprocess wrote), as kuzu-memory's old system called it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from kuzu_memory_migrations import ConfigMigration, MigrationResult
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.testing.harness import MigrationHarness, PackOf

MARKER = ".kuzu-memory/made-by-a-subprocess.txt"


class WritesBeyondTheJournal(ConfigMigration):
    """Changes the config through the helpers and a file by a subprocess, then fails."""

    name = "rel_beyond_the_journal"
    config_file = ".kuzu-memory/config.json"
    rollback_raises: ClassVar[bool] = False

    def migrate(self) -> MigrationResult:
        config = self.read_json(self.get_config_path())
        self.write_json(self.get_config_path(), {**config, "changed": True})
        script = f"open({str(self.project_root / MARKER)!r}, 'w').write('x')"
        subprocess.run([sys.executable, "-c", script], check=True)
        return MigrationResult(success=False, message="failing after both changes")

    def rollback(self) -> bool:
        if self.rollback_raises:
            raise RuntimeError("cannot clean up")
        self.remove_path(MARKER)
        return True


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / ".kuzu-memory").mkdir(parents=True)
    (root / ".kuzu-memory" / "config.json").write_text('{"kept": 1}')
    return root


def test_its_rollback_undoes_what_the_journal_cannot(project: Path, kuzu_home: Path) -> None:
    report = MigrationHarness().run(project, extra=[PackOf(WritesBeyondTheJournal)])
    (outcome,) = report.outcomes
    assert outcome.status is Status.FAILED and not report.problems, report.problems
    assert not (project / MARKER).exists(), "its rollback() did not run"
    assert json.loads((project / ".kuzu-memory" / "config.json").read_text()) == {"kept": 1}
    assert [a.operation for a in outcome.not_undoable] == ["subprocess"]


def test_a_rollback_that_raises_is_reported_and_the_journal_still_undoes(
    project: Path, kuzu_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(WritesBeyondTheJournal, "rollback_raises", True)
    report = MigrationHarness().run(project, extra=[PackOf(WritesBeyondTheJournal)])
    assert report.outcomes[0].status is Status.FAILED
    assert any("rollback() raised RuntimeError: cannot clean up" in p for p in report.problems)
    assert json.loads((project / ".kuzu-memory" / "config.json").read_text()) == {"kept": 1}
    assert (project / MARKER).exists()  # what nothing could undo stays, and was reported
