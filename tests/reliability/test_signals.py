"""Ctrl-C and SIGTERM during a migration: it is undone and the CLI exits cleanly (130, 143)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
import reliability_slow_pack as slow
from reliability_support import PRIVATE, RUN, cli, digest_tree, environment, start, successes


def wait_for_a_journaled_change(root: Path, timeout: float = 30.0) -> None:
    """Until a migration is under way and has journaled (so changed) something."""
    journal = root / PRIVATE / "journal"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for records in journal.glob("*/journal.jsonl"):
            if records.read_text().count("\n") >= 2:
                return
        time.sleep(0.01)
    raise AssertionError("no migration started")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_rolls_back_the_migration_under_way(tmp_path: Path, signum: int) -> None:
    root, home = tmp_path / "project", tmp_path / "home"
    home.mkdir()
    slow.seed(root)
    env = environment(home, "reliability_slow_pack", KMM_SLOW_DELAY="0.4")
    process = cli(root, env, "run")
    wait_for_a_journaled_change(root)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == (130 if signum == signal.SIGINT else 143), err
    assert "interrupted" in err and "undone" in err and "Traceback" not in err

    journal = root / PRIVATE / "journal"
    assert not journal.exists() or not any(journal.iterdir()), "the migration was not undone"
    applied = successes(root)
    ledger = json.loads((root / slow.LEDGER).read_text())["applied"] if applied else []
    assert ledger == applied  # what was applied is recorded; the one under way left nothing
    if not applied:
        assert not (root / slow.LEDGER).exists()
    assert not [p for p in root.rglob("*") if ".kmm-" in p.name]

    reference = tmp_path / "reference"
    (reference / "home").mkdir(parents=True)
    slow.seed(reference / "project")
    for where in (reference, tmp_path):  # the next run completes exactly as a clean one
        env = environment(where / "home", "reliability_slow_pack", KMM_SLOW_DELAY="0")
        assert start(RUN, where / "project", env).wait() == 0
    assert digest_tree(root, home) == digest_tree(reference / "project", reference / "home")
