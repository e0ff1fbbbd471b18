"""Ctrl-C and SIGTERM during a migration: it is undone and the CLI exits cleanly (130, 143)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import reliability_slow_pack as slow
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
from reliability_support import (
    PRIVATE,
    RUN,
    cli,
    digest_tree,
    environment,
    failures_of,
    start,
    successes,
)


def wait_for_a_journaled_change(
    root: Path, timeout: float = 30.0, *, after: str | None = None
) -> str:
    """Until a migration (not `after`) is under way and has journaled (so changed)
    something; its name."""
    journal = root / PRIVATE / "journal"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for records in journal.glob("*/journal.jsonl"):
            lines = records.read_text().splitlines()
            if len(lines) >= 2 and (name := str(json.loads(lines[0])["migration"])) != after:
                return name
        time.sleep(0.01)
    raise AssertionError("no migration started")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_rolls_back_the_migration_under_way(tmp_path: Path, signum: int) -> None:
    root, home = tmp_path / "project", tmp_path / "home"
    home.mkdir()
    slow.seed(root)
    env = environment(home, "reliability_slow_pack", KMM_SLOW_DELAY="0.4")
    process = cli(root, env, "run")
    under_way = wait_for_a_journaled_change(root)
    process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == (130 if signum == signal.SIGINT else 143), err
    assert f"interrupted: {under_way} was undone" in err and "Traceback" not in err

    journal = root / PRIVATE / "journal"
    assert not journal.exists() or not any(journal.iterdir()), "the migration was not undone"
    applied = successes(root)
    ledger = json.loads((root / slow.LEDGER).read_text())["applied"] if applied else []
    assert ledger == applied  # what was applied is recorded; the one under way left nothing
    if applied:
        assert f"applied before it, and kept: {', '.join(applied)}" in " ".join(err.split())
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


def test_an_interrupted_run_tells_a_script_what_it_applied_and_undid(tmp_path: Path) -> None:
    root, home = tmp_path / "project", tmp_path / "home"
    home.mkdir()
    slow.seed(root)
    env = environment(home, "reliability_slow_pack", KMM_SLOW_DELAY="0.2")
    process = cli(root, env, "run", "--json")
    under_way = wait_for_a_journaled_change(root, after=slow.WriteFiles.name)  # one applied
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    error = json.loads(out)["error"]
    assert (error["code"], error["exit_code"], process.returncode) == ("interrupted", 130, 130)
    assert error["undone"] == under_way and under_way in error["message"]
    assert error["applied"] == successes(root) and error["applied"]


def test_a_preview_during_a_live_run_says_a_run_is_in_progress_not_a_crash(
    tmp_path: Path,
) -> None:
    root, home = tmp_path / "project", tmp_path / "home"
    home.mkdir()
    slow.seed(root)
    env = environment(home, "reliability_slow_pack", KMM_SLOW_DELAY="0.5")
    process = cli(root, env, "run")
    wait_for_a_journaled_change(root)
    status = cli(root, env, "status")
    shown = " ".join("".join(status.communicate(timeout=60)).split())
    assert f"a run is in progress (pid {process.pid} " in shown, shown
    assert "crash" not in shown
    assert process.wait(timeout=120) == 0
    process.communicate()


def interrupt_once_under_way(root: Path) -> threading.Thread:
    """A Ctrl-C sent to this process as soon as a migration has changed something."""

    def interrupt() -> None:
        wait_for_a_journaled_change(root)
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=interrupt)
    thread.start()
    return thread


@pytest.mark.parametrize("host_goes_on", [False, True], ids=["raises", "returns"])
def test_a_host_handler_of_its_own_decides_whether_the_run_stops(
    tmp_path: Path,
    use_plugins: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
    host_goes_on: bool,
) -> None:
    monkeypatch.setenv("KMM_SLOW_DELAY", "0.2")
    use_plugins("reliability_slow_pack")
    root = tmp_path / "project"
    slow.seed(root)
    heard: list[int] = []

    def host(signum: int, frame: object) -> None:
        heard.append(signum)
        if not host_goes_on:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, host)
    try:
        thread = interrupt_once_under_way(root)
        if host_goes_on:
            report = run(Project(root), RunOptions())
        else:
            with pytest.raises(KeyboardInterrupt):
                run(Project(root), RunOptions())
        thread.join()
        assert signal.getsignal(signal.SIGINT) is host  # given back
    finally:
        signal.signal(signal.SIGINT, previous)

    assert heard == [signal.SIGINT]
    journal = root / PRIVATE / "journal"
    assert not journal.exists() or not any(journal.iterdir())
    if host_goes_on:  # the host chose to go on: nothing failed, everything applied
        assert report.ok and not failures_of(root)
        assert len(successes(root)) == len(report.outcomes)
    else:  # a real interruption, not a pack failure: no failure is recorded against it
        assert not failures_of(root)
