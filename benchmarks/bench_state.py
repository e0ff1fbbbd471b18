"""Bookkeeping on a long history: what one migration costs to record, what `history --limit
20` and `status` cost in a fresh process, and what the legacy file costs to write, each
with 100,000 entries against 10; and `status` / `auto_migrate` with one pack of 100,000
migrations against 10,000 (linear is the goal).

The records are the framework's SQLite database; the old way to compare recording with is
rewriting a whole JSON state file after each migration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Figure, Results
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.records import Applied, Provenance, Records, history_entry
from kuzu_memory_migrations.engine.state import write_legacy

SECTION = "bookkeeping"
RECORDED = 20
"""Migrations recorded per measurement."""


def applied_event(name: str) -> Applied:
    # An installed distribution that no loaded pack stands for: the audit cannot call these
    # entries orphans (100,000 orphans would make `status` list them all).
    return Applied(
        history_entry(name, "1.0.0", "config", True, f"{name} applied", ["a change"]),
        Provenance(
            distribution="kuzu-memory-migrations",
            distribution_version="0.2",
            fingerprint="0" * 64,
            source_file="/x/bench_pack.py",
            how="run",
            run_id="bench",
            duration_ms=1.0,
        ),
    )


def project_with_history(root: Path, entries: int) -> ProjectLayout:
    layout = ProjectLayout(root)
    layout.memory_dir.mkdir(parents=True, exist_ok=True)
    layout.ensure_work_dir()
    records = Records.open(layout.records, create=True)
    try:
        for start in range(0, entries, 10_000):
            records.record(
                *(applied_event(f"old_{i:06d}") for i in range(start, min(entries, start + 10_000)))
            )
        write_legacy(records, layout)
    finally:
        records.close()
    return layout


def record_one_by_one(layout: ProjectLayout) -> float:
    """Seconds per migration recorded (one durable SQLite transaction each)."""
    records = Records.open(layout.records, create=True)
    try:
        started = time.perf_counter()
        for index in range(RECORDED):
            records.record(applied_event(f"new_{time.time_ns()}_{index}"))
        return (time.perf_counter() - started) / RECORDED
    finally:
        records.close()


def rewrite_whole_file(path: Path, entries: int) -> float:
    """The old way: after each migration, the whole JSON file written again (and fsynced)."""
    data = {
        "last_version": "1.0",
        "history": [applied_event(f"old_{i:06d}").entry.model_dump() for i in range(entries)],
    }
    started = time.perf_counter()
    for index in range(RECORDED):
        data["history"].append(applied_event(f"legacy_{index}").entry.model_dump())
        with path.open("w") as handle:
            json.dump(data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
    return (time.perf_counter() - started) / RECORDED


def legacy_write(layout: ProjectLayout) -> float:
    records = Records.open(layout.records, create=True)
    try:
        records.record(applied_event(f"one_more_{time.time_ns()}"))  # so the mirror changes
        started = time.perf_counter()
        write_legacy(records, layout)
        return time.perf_counter() - started
    finally:
        records.close()


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "kuzu_memory_migrations", *args, "--project-root", str(root)],
        check=True,
        capture_output=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    return time.perf_counter() - started


PACK = """
from kuzu_memory_migrations import Migration, MigrationResult, hookimpl

def _migrate(self):
    return MigrationResult(success=True, message="ok")

CLASSES = [
    type(f"M{i}", (Migration,), {"name": f"big_{i:06d}", "migrate": _migrate})
    for i in range(COUNT)
]

@hookimpl
def register_migrations():
    return CLASSES
"""

AUTO = (
    "import json, resource, sys, time; from kuzu_memory_migrations import auto_migrate;"
    "t = time.perf_counter(); r = auto_migrate(sys.argv[1]);"
    "print(json.dumps({'seconds': time.perf_counter() - t, 'applied': len(r.applied),"
    "'rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
)


def one_big_pack(folder: Path, count: int) -> tuple[float, float, float]:
    """(status s, auto_migrate s, auto_migrate peak MiB) with one pack of `count` migrations."""
    pack_dir = folder / f"pack{count}"
    pack_dir.mkdir()
    (pack_dir / f"big_pack_{count}.py").write_text(PACK.replace("COUNT", str(count)))
    root = folder / f"project{count}"
    (root / ".kuzu-memory").mkdir(parents=True)
    env = {
        "PYTHONPATH": os.pathsep.join([str(pack_dir), os.environ.get("PYTHONPATH", "")]),
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD": "1",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS": f"big_pack_{count}",
    }
    status = cli(root, "status", env=env)
    done = subprocess.run(
        [sys.executable, "-c", AUTO, str(root)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert measured["applied"] == count, measured
    return status, float(measured["seconds"]), float(measured["rss_mib"])


def run(results: Results, *, long: int, repeat: int, big_pack: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        short = project_with_history(folder / "short", 10)
        lengthy = project_with_history(folder / "long", long)
        per_short = min(record_one_by_one(short) for _ in range(3))
        per_long = min(record_one_by_one(lengthy) for _ in range(3))
        legacy_short = min(legacy_write(short) for _ in range(3))
        legacy_long = min(legacy_write(lengthy) for _ in range(3))
        old_way = rewrite_whole_file(folder / "legacy.json", long)
        commands = {}
        for label, layout in (("short", short), ("long", lengthy)):
            for command in (("history", "--limit", "20"), ("status",)):
                commands[label, command[0]] = min(cli(layout.root, *command) for _ in range(repeat))
        small, large = big_pack
        status_small, auto_small, rss_small = one_big_pack(folder, small)
        status_large, auto_large, rss_large = one_big_pack(folder, large)

    results.add(
        Figure(
            SECTION,
            f"recording one migration, {long:,} history entries",
            per_long,
            "s",
            "the same with 10 entries",
            per_short,
            note="one SQLite transaction (WAL, fsync)",
        )
    )
    results.add(
        Figure(
            SECTION,
            f"recording one migration, {long:,} history entries",
            per_long,
            "s",
            "the old way: rewrite the whole state file",
            old_way,
        )
    )
    results.add(
        Figure(
            SECTION,
            f"writing the legacy file, {long:,} entries",
            legacy_long,
            "s",
            "the same with 10 entries",
            legacy_short,
            note="it lists the newest 200 and the host's: bounded",
        )
    )
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
    results.add(
        Figure(
            SECTION,
            f"`status` (fresh process), one pack of {large:,} migrations",
            status_large,
            "s",
            f"the same with {small:,}",
            status_small,
            note=f"linear is {large / small:.0f}x",
        )
    )
    results.add(
        Figure(
            SECTION,
            f"`auto_migrate` applying {large:,} migrations",
            auto_large,
            "s",
            f"the same with {small:,}",
            auto_small,
            note=f"linear is {large / small:.0f}x",
        )
    )
    results.add(
        Figure(
            SECTION,
            f"`auto_migrate` peak memory, {large:,} migrations",
            rss_large,
            "MiB",
            f"the same with {small:,}",
            rss_small,
        )
    )
