"""Bookkeeping on a long history: what one migration costs to record, what a run costs to
fold, and what `status` and `history --limit 20` cost, with 10 and with 100,000 entries.

The baseline for recording is the old way: rewrite the whole state file after each
migration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Figure, Results, timed
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.state import (
    MigrationState,
    StateStore,
    history_entry,
    now_iso,
)

SECTION = "bookkeeping"
RECORDED = 20
"""Migrations recorded per measurement."""


def applied_event(name: str) -> dict[str, object]:
    return {
        "event": "applied",
        "name": name,
        "entry": history_entry(name, "1.0.0", "config", True, f"{name} applied", ["a change"]),
        # An installed distribution that no loaded pack stands for: the audit cannot call
        # these entries orphans (100,000 orphans would make `status` a 100,000-row table).
        "provenance": {
            "distribution": "kuzu-memory-migrations",
            "distribution_version": "0.1",
            "fingerprint": "0" * 64,
            "source_file": "/x/bench_pack.py",
            "how": "run",
            "run_id": "bench",
            "applied_at": now_iso(),
            "duration_ms": 1.0,
        },
    }


def project_with_history(root: Path, entries: int) -> StateStore:
    (root / ".kuzu-memory").mkdir(parents=True, exist_ok=True)
    store = StateStore(ProjectLayout(root))
    state = MigrationState()
    for index in range(entries):
        state.apply_event(applied_event(f"old_{index:06d}"))
    store.save(state)
    return store


def record_one_by_one(store: StateStore) -> float:
    """Seconds per migration recorded through the state log (then folded once, not timed)."""
    state = store.load()
    started = time.perf_counter()
    for index in range(RECORDED):
        store.log(state, applied_event(f"new_{time.time_ns()}_{index}"))
    elapsed = (time.perf_counter() - started) / RECORDED
    store.layout.state_log.unlink()
    return elapsed


def rewrite_whole_file(store: StateStore) -> float:
    """The old way: after each migration, the whole JSON file written again (and fsynced)."""
    path = store.layout.state_file
    data = json.loads(path.read_text())
    started = time.perf_counter()
    for index in range(RECORDED):
        data["history"].append(applied_event(f"legacy_{index}")["entry"])
        with path.open("w") as handle:
            json.dump(data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
    return (time.perf_counter() - started) / RECORDED


def cli(root: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kuzu_memory_migrations", *args, "--project-root", str(root)],
        check=True,
        capture_output=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    return time.perf_counter() - started


def run(results: Results, *, long: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        short_store = project_with_history(Path(folder) / "short", 10)
        long_store = project_with_history(Path(folder) / "long", long)
        per_short = min(record_one_by_one(short_store) for _ in range(3))
        per_long = min(record_one_by_one(long_store) for _ in range(3))
        fold_short = timed(lambda: short_store.save(short_store.load()), repeat=3)
        state = long_store.load()
        state.apply_event(applied_event("one_more"))  # so that the fold really writes
        fold_long = timed(lambda: long_store.save(state), repeat=1)
        load_long = timed(long_store.load, repeat=3)
        legacy_long = rewrite_whole_file(project_with_history(Path(folder) / "legacy", long))
        commands = {}
        for name, root in (("short", short_store.layout.root), ("long", long_store.layout.root)):
            for command in (("history", "--limit", "20"), ("status",)):
                commands[name, command[0]] = min(cli(root, *command) for _ in range(repeat))

    results.add(
        Figure(
            SECTION,
            f"recording one migration, {long:,} history entries",
            per_long,
            "s",
            "the same with 10 entries",
            per_short,
            note="one fsynced line appended to state.log",
        )
    )
    results.add(
        Figure(
            SECTION,
            f"recording one migration, {long:,} history entries",
            per_long,
            "s",
            "the old way: rewrite the whole state file",
            legacy_long,
        )
    )
    results.add(
        Figure(
            SECTION,
            f"folding a run into the state file, {long:,} entries",
            fold_long,
            "s",
            "the same with 10 entries",
            fold_short,
            note="once per run, not per migration",
        )
    )
    results.add(Figure(SECTION, f"loading the state, {long:,} entries", load_long, "s"))
    for command in ("history", "status"):
        label = "`history --limit 20`" if command == "history" else "`status`"
        results.add(
            Figure(
                SECTION,
                f"{label} (fresh process), {long:,} entries",
                commands["long", command],
                "s",
                "the same with 10 entries",
                commands["short", command],
            )
        )
