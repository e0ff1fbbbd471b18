"""Kill the runner (SIGKILL) at random moments; the next run must leave every effect once.

A pack of slow migrations that write several files each runs in a subprocess that is
killed after a random delay, once or twice per trial, then run to completion. After
every kill no file may be torn; after the last run the project (and the user's settings
outside it) must equal a run that was never killed, byte for byte and mode for mode, and
the history must show each migration applied once.

`KMM_FAULT_TRIALS` raises the number of trials (default 12), `KMM_FAULT_SEED` picks them.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import reliability_slow_pack as slow
from reliability_support import (
    AUTO,
    PRIVATE,
    RUN,
    digest_tree,
    environment,
    report_figures,
    start,
    successes,
)

TRIALS = int(os.environ.get("KMM_FAULT_TRIALS", "12"))
SEED = int(os.environ.get("KMM_FAULT_SEED", "20251125"))
MIGRATIONS = [
    "rel_write_files",
    "rel_edit_config",
    "rel_move_folder",
    "rel_user_settings",
    "rel_remove_obsolete",
]


def whole_contents(*roots: Path) -> set[str]:
    return {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for root in roots
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def assert_nothing_torn(root: Path, home: Path, whole: set[str]) -> None:
    """Every file is whole: JSON parses, every other file has bytes a whole write produced.

    Temp files and half copies are allowed right after a kill; the final comparison with a
    clean run proves the next run removed them.
    """
    for base in (root, home):
        for path in base.rglob("*"):
            relative = path.relative_to(base).as_posix()
            if not path.is_file() or relative.startswith(PRIVATE):
                continue
            if ".kmm-" in path.name:
                continue  # a killed write's temp file or half copy: the next run removes it
            if path.suffix == ".json":
                json.loads(path.read_text())  # a torn JSON file would not parse
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                assert digest in whole, f"torn file {path}"


def fresh(base: Path) -> tuple[Path, Path, dict[str, str]]:
    root, home = base / "project", base / "home"
    home.mkdir(parents=True)
    slow.seed(root)
    return root, home, environment(home, "reliability_slow_pack")


def complete(root: Path, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(root)], env=env, capture_output=True, text=True, check=True
    )
    report: dict[str, object] = json.loads(done.stdout)
    return report


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_every_effect_exactly_once(tmp_path: Path) -> None:
    root, home, env = fresh(tmp_path / "reference")
    started = time.perf_counter()
    complete(root, env)
    duration = time.perf_counter() - started
    reference = digest_tree(root, home)
    whole = whole_contents(root, home) | whole_contents(tmp_path / "reference")
    assert successes(root) == MIGRATIONS

    rng = random.Random(SEED)
    kills = half_applied = runs = interrupted = 0
    for trial in range(TRIALS):
        root, home, env = fresh(tmp_path / f"trial{trial}")
        whole |= whole_contents(root, home)
        for _ in range(rng.randint(1, 2)):
            process = start(rng.choice([RUN, RUN, AUTO]), root, env)
            time.sleep(rng.uniform(0, duration))
            runs += 1
            if process.poll() is None:
                process.kill()
                kills += 1
            process.communicate()
            journal = root / PRIVATE / "journal"
            half_applied += journal.is_dir() and any(journal.iterdir())
            assert_nothing_torn(root, home, whole)
        report = complete(root, env)
        runs += 1
        outcomes = report["outcomes"]
        assert isinstance(outcomes, list)
        interrupted += sum(o["status"] == "interrupted" for o in outcomes)
        assert all(o["status"] in {"applied", "interrupted"} for o in outcomes), outcomes
        assert digest_tree(root, home) == reference, f"trial {trial} differs from a clean run"
        assert sorted(successes(root)) == sorted(MIGRATIONS), f"trial {trial}"
        ledger = json.loads((root / slow.LEDGER).read_text())["applied"]
        assert ledger == MIGRATIONS, f"trial {trial}: applied {ledger}"
        assert not (root / PRIVATE / "journal").exists()
    report_figures(
        "fault_injection",
        trials=TRIALS,
        seed=SEED,
        runs=runs,
        kills=kills,
        kills_mid_migration=half_applied,
        replayed_as_interrupted=interrupted,
        failures=0,
    )
