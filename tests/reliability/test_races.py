"""Many runners at once on one project: each migration is applied exactly once.

Explicit runs wait for the project's lock; the start-up path (`auto_migrate`) never waits,
it skips and says who holds the lock. `KMM_RACE_ROUNDS` and `KMM_RACE_RUNNERS` raise the
load (defaults 2 rounds of 6 runners).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import reliability_slow_pack as slow
from reliability_support import AUTO, RUN, cli, digest_tree, environment, report_figures, start
from reliability_support import successes as applied_history

ROUNDS = int(os.environ.get("KMM_RACE_ROUNDS", "2"))
RUNNERS = int(os.environ.get("KMM_RACE_RUNNERS", "6"))


def project(base: Path) -> tuple[Path, Path, dict[str, str]]:
    root, home = base / "project", base / "home"
    home.mkdir(parents=True)
    slow.seed(root)
    return root, home, environment(home, "reliability_slow_pack", KMM_SLOW_DELAY="0.01")


@pytest.mark.slow
def test_racing_runners_apply_each_migration_exactly_once(tmp_path: Path) -> None:
    root, home, env = project(tmp_path / "reference")
    reference_run = start(RUN, root, env)
    assert reference_run.wait() == 0
    reference = digest_tree(root, home)
    skipped = ran = 0
    for race in range(ROUNDS):
        root, home, env = project(tmp_path / f"race{race}")
        kinds = ["run", "cli", "auto"] * RUNNERS
        processes = [
            (
                kind,
                cli(root, env, "run", "--json")
                if kind == "cli"
                else start(RUN if kind == "run" else AUTO, root, env),
            )
            for kind in kinds[:RUNNERS]
        ]
        for kind, process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, f"{kind}: {err}"
            if kind == "auto":
                status, _, message = out.partition(" ")
                assert status in {"done", "locked", "idle"}, out
                if status == "locked":
                    skipped += 1
                    assert "another migration run holds" in message, message
                    continue
            ran += 1
        assert applied_history(root) == sorted(applied_history(root), key=slow_order)
        assert len(applied_history(root)) == len(set(applied_history(root))) == 5
        ledger = json.loads((root / slow.LEDGER).read_text())["applied"]
        assert ledger == sorted(ledger, key=slow_order) and len(ledger) == 5
        assert digest_tree(root, home) == reference
    report_figures(
        "races",
        rounds=ROUNDS,
        runners_per_round=RUNNERS,
        runners=ROUNDS * RUNNERS,
        start_up_runs_skipped_on_lock=skipped,
        runs_completed=ran,
        failures=0,
    )


def slow_order(name: str) -> int:
    return [
        "rel_write_files",
        "rel_edit_config",
        "rel_move_folder",
        "rel_user_settings",
        "rel_remove_obsolete",
    ].index(name)
