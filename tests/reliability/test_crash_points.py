"""Kill a run at every one of its durable steps; the next run must leave every effect once.

SQLite's crash tests are the model: count the steps a run takes that change a file or a
database (`crash_driver.py` counts them through audit events), then for each step N kill a
fresh run with SIGKILL just before step N, recover with the next run (for a sample of N,
killing that recovery too) and compare with a run that was never killed:

- every effect exactly once (appends, counters in a file and on 5,000 Kuzu rows, a move,
  a removal, a file outside the project, a table from a snapshot);
- every file byte-identical to the clean run's (databases by content), no temp files;
- each migration once in the history, nothing pending, the database opens.

Kills are process crashes (the page cache survives them), not power cuts: the fsync
discipline is what covers those. Trials run on tmpfs, two at a time.
`KMM_CRASH_STRIDE=k` tries every k-th step only (the figure in docs/reliability.md is k=1).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import crash_points_pack as pack
import pytest
from kuzu_memory_migrations.testing.snapshot import differences, snapshot
from reliability_support import PRIVATE, environment, report_figures, successes

DRIVER = Path(__file__).with_name("crash_driver.py")
STRIDE = int(os.environ.get("KMM_CRASH_STRIDE", "1"))
SECOND_KILL_EVERY = 5
"""For every fifth step, the recovery run is killed too (half way through its own steps)."""


@dataclass
class Trial:
    step: int
    second_kill: int | None
    problems: list[str]


def _scratch(tmp_path: Path) -> Path:
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        folder = shm / f"kmm-crash-{os.getpid()}-{tmp_path.name}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        return folder
    return tmp_path


def _drive(root: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = environment(home, "crash_points_pack", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, str(DRIVER), str(root), *extra],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _fresh(seed: Path, where: Path) -> tuple[Path, Path]:
    shutil.copytree(seed, where, symlinks=True)
    return where / "project", where / "home"


def _looks(root: Path, home: Path) -> dict[str, str]:
    """Every file of the project and of the user's Claude folder, keyed relative to each."""
    user = {f"~/.claude/{key}": value for key, value in snapshot(home / ".claude").items()}
    return {**snapshot(root), **user}


def _stray(*folders: Path) -> list[str]:
    return [str(p) for f in folders for p in f.rglob("*") if ".kmm-" in p.name]


@pytest.mark.slow
def test_a_kill_at_any_durable_step_leaves_every_effect_exactly_once(tmp_path: Path) -> None:
    scratch = _scratch(tmp_path)
    try:
        seed = scratch / "seed"
        (seed / "home").mkdir(parents=True)
        env_home = os.environ.get("HOME")
        os.environ["HOME"] = str(seed / "home")
        try:
            pack.seed(seed / "project")
        finally:
            if env_home is not None:
                os.environ["HOME"] = env_home

        root, home = _fresh(seed, scratch / "reference")
        done = _drive(root, home)
        assert done.returncode == 0, done.stderr
        steps = int(done.stdout.split()[0])
        reference = _looks(root, home)
        os.environ["HOME"] = str(home)
        try:
            clean_effects = pack.effects(root)
        finally:
            if env_home is not None:
                os.environ["HOME"] = env_home
        assert clean_effects["ledger"] == list(pack.MIGRATIONS)
        assert steps > 50, done.stdout

        def trial(step: int) -> Trial:
            where = scratch / f"step-{step:04d}"
            root, home = _fresh(seed, where)
            problems: list[str] = []
            killed = _drive(root, home, "--kill-at", str(step))
            if killed.returncode != -9:
                problems.append(f"not killed ({killed.returncode}): {killed.stderr[-300:]}")
            second = None
            if step % SECOND_KILL_EVERY == 0:
                second = max(1, step // 2)
                _drive(root, home, "--kill-at", str(second))  # killed during recovery
            final = _drive(root, home)
            if final.returncode != 0:
                problems.append(f"recovery run: {final.stdout} {final.stderr[-500:]}")
            problems += [f"differs: {d}" for d in differences(reference, _looks(root, home))]
            effects = json.loads(
                subprocess.run(
                    [
                        sys.executable,
                        "-c",
                        "import json, sys, crash_points_pack as p; from pathlib import Path;"
                        "print(json.dumps(p.effects(Path(sys.argv[1]))))",
                        str(root),
                    ],
                    env=environment(home, "crash_points_pack"),
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            if effects != clean_effects:
                problems.append(f"effects {effects} != {clean_effects}")
            expected = [*pack.MIGRATIONS[:2], "crash_counters_builtin", *pack.MIGRATIONS[2:]]
            if sorted(successes(root)) != sorted(expected):
                problems.append(f"history {successes(root)}")
            if list((root / PRIVATE).glob("journal/*")):
                problems.append("a journal was left behind")
            if stray := _stray(root, home):
                problems.append(f"temp files left: {stray}")
            if not problems:
                shutil.rmtree(where, ignore_errors=True)
            return Trial(step, second, problems)

        chosen = list(range(1, steps + 1, STRIDE))
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            trials = list(pool.map(trial, chosen))
        failed = [t for t in trials if t.problems]
        report_figures(
            "crash_points",
            steps=steps,
            trials=len(trials),
            with_a_second_kill=sum(t.second_kill is not None for t in trials),
            failures=len(failed),
        )
        assert not failed, "\n".join(f"step {t.step}: {t.problems}" for t in failed[:10])
    finally:
        if scratch != tmp_path:
            shutil.rmtree(scratch, ignore_errors=True)
