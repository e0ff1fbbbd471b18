"""An undo that cannot finish stops the run before any later migration, keeps the journal,
names the files it could not restore, and the next run undoes it before anything else."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import undo_fails_pack as pack
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
from reliability_support import PRIVATE


def test_a_failed_undo_stops_the_run_and_the_next_run_finishes_it(
    tmpfs: Callable[[str], Path],
    use_plugins: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    disk = tmpfs("1m")
    root = disk / "project"
    pack.seed(root)
    config = root / ".kuzu-memory" / "config.json"
    before = config.read_bytes()
    filler = disk / "filler"
    monkeypatch.setenv("KMM_FILLER", str(filler))
    use_plugins("undo_fails_pack")

    report = run(Project(root), RunOptions())
    assert report.stopped is not None and str(config) in report.stopped, report.stopped
    assert "next run" in report.stopped
    final = report.final()
    assert final["rel_fills_the_disk"].status is Status.FAILED
    assert "rel_after_the_full_disk" not in final, "a later migration ran over a half undo"
    assert not (root / ".kuzu-memory" / "after.txt").exists()
    assert list((root / PRIVATE).glob("journal/*")), "the journal was not kept"

    filler.unlink()  # the user frees the space
    monkeypatch.delenv("KMM_FILLER")
    again = run(Project(root), RunOptions())
    statuses = [(o.name, o.status) for o in again.outcomes]
    assert statuses[0] == ("rel_fills_the_disk", Status.INTERRUPTED), statuses  # undone first
    assert json.loads(config.read_text()) == json.loads(before) or config.read_bytes() == before
    assert (root / ".kuzu-memory" / "after.txt").read_text() == "ran"
