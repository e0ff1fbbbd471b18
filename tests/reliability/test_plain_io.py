"""Plain Python I/O in a migration (open, os, shutil, pathlib) is journaled and undone like
helper changes; a dry run refuses it and says where; a subprocess is recorded as not
undoable; other threads are left alone."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import plain_io_pack as pack
import pytest
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.rollback import rollback_applied
from kuzu_memory_migrations.engine.runner import Mode, RunOptions, run
from kuzu_memory_migrations.engine.state import read_records
from reliability_support import digest_tree


@pytest.fixture
def seeded(
    project: Path, use_plugins: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> Path:
    use_plugins("plain_io_pack")
    monkeypatch.setenv("KMM_PLAIN_IO", "ops")
    pack.seed(project)
    return project


def everything(root: Path) -> dict[str, str]:
    """Every byte, mode and link of the project and of the user-side folder."""
    return digest_tree(root, pack.user_file().parent)


def test_plain_io_of_a_failing_migration_is_undone_byte_for_byte(
    seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = everything(seeded)
    monkeypatch.setenv("KMM_PLAIN_IO_FAIL", "1")
    outcome = run(Project(seeded), RunOptions()).final()["rel_plain_ops"]
    assert outcome.status is Status.FAILED and "failing on purpose" in outcome.reason
    assert everything(seeded) == before


def test_plain_io_of_an_applied_migration_is_rolled_back_byte_for_byte(seeded: Path) -> None:
    before = everything(seeded)
    outcome = run(Project(seeded), RunOptions()).final()["rel_plain_ops"]
    assert outcome.status is Status.APPLIED, outcome.reason
    changed = everything(seeded)
    assert changed != before
    assert json.loads(pack.user_file().read_text()) == {"user": "changed"}
    done = rollback_applied(Project(seeded), "rel_plain_ops")
    assert Path(seeded / ".kuzu-memory" / "config.json") in done.restored
    assert everything(seeded) == before


def test_a_dry_run_refuses_plain_io_and_says_where(seeded: Path) -> None:
    before = everything(seeded)
    report = run(Project(seeded), RunOptions(mode=Mode.DRY_RUN))
    outcome = report.final()["rel_plain_ops"]
    assert everything(seeded) == before
    assert outcome.not_previewable, outcome
    attempt = outcome.not_previewable[0]
    assert attempt.operation == "open for writing"
    assert attempt.path == str(seeded / ".kuzu-memory" / "config.json")
    assert attempt.where.startswith(pack.__file__.removesuffix("c")) and ":" in attempt.where
    assert "not previewable" in outcome.reason
    assert "nothing was changed" not in outcome.reason


def test_a_dry_run_refuses_what_a_wrapper_writes(
    seeded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KMM_PLAIN_IO", "wrapper")
    before = everything(seeded)
    report = run(Project(seeded), RunOptions(mode=Mode.DRY_RUN))
    outcome = report.final()["rel_through_the_helpers"]
    assert everything(seeded) == before
    assert not (seeded / pack.AUDIT_LOG).exists()
    assert [a.path for a in outcome.not_previewable] == [str(seeded / pack.AUDIT_LOG)], outcome
    assert "not previewable" in outcome.reason

    applied = run(Project(seeded), RunOptions()).final()["rel_through_the_helpers"]
    assert applied.status is Status.APPLIED, applied.reason  # in a run it writes
    assert (seeded / pack.AUDIT_LOG).read_text() == "rel_through_the_helpers: wrote helpers.txt\n"


def test_a_subprocess_is_recorded_as_not_undoable(
    project: Path, use_plugins: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    use_plugins("plain_io_pack")
    monkeypatch.setenv("KMM_PLAIN_IO", "subprocess")
    dry = run(Project(project), RunOptions(mode=Mode.DRY_RUN)).final()["rel_plain_subprocess"]
    assert [a.operation for a in dry.not_previewable] == ["subprocess"]
    outcome = run(Project(project), RunOptions()).final()["rel_plain_subprocess"]
    assert outcome.status is Status.APPLIED
    assert [a.operation for a in outcome.not_undoable] == ["subprocess"]
    assert "true" in outcome.not_undoable[0].path
    records = read_records(Project(project).layout)
    provenance = records.provenance(["rel_plain_subprocess"])["rel_plain_subprocess"]
    assert provenance.not_undoable and "subprocess" in provenance.not_undoable[0]


def test_other_threads_are_not_watched(
    project: Path,
    tmp_path: Path,
    use_plugins: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A host's own thread writing outside the project is neither refused nor journaled."""
    use_plugins("plain_io_pack")
    target = tmp_path / "host-file.txt"
    monkeypatch.setenv("KMM_PLAIN_IO", "thread")
    monkeypatch.setenv("KMM_PLAIN_IO_THREAD_FILE", str(target))
    monkeypatch.setenv("KMM_PLAIN_IO_FAIL", "1")
    outcome = run(Project(project), RunOptions()).final()["rel_plain_thread"]
    assert outcome.status is Status.FAILED
    assert target.read_text() == "the host's own write"  # not undone with the migration
