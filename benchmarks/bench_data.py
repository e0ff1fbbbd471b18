"""Data migrations at Kuzu's speed, and database snapshots at cp's.

- the same Cypher (`MATCH (m:Memory) SET m.content = lower(m.content)`) run by a
  DataMigration through the runner (plugin loading, lock, journal, transaction, state)
  against raw kuzu (open, BEGIN, SET, COMMIT, close), each in a fresh process on its own
  copy of the database;
- a Python-side transform (read each row's content, sha256 in Python, write content_hash
  back, one transaction) by a DataMigration, at two table sizes, against a hand-written raw
  kuzu script doing the same work (one streaming read, batched writes): rows per second and
  the process's peak RSS, with Kuzu's buffer pool bounded as for a migration run, and the
  raw script's peak RSS with Kuzu's default pool;
- the same transform with `database_mode = "snapshot"` (the database files copied first,
  then each statement committed on its own, so no transaction holds every change), at both
  sizes: speed, peak RSS and the time the copy took within the run;
- the same transform written the way packs for 0.1 were (key-paged `iter_batches`,
  `UNWIND $rows` writes), at both sizes;
- the journal's snapshot of the database file against `cp`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from common import Figure, Results, fresh

SECTION = "data"
BUILD_BATCH = 50_000
POOL_MIB = 1024
"""Kuzu buffer pool of the transform runs (MiB); the raw script's own default-pool run aside."""
POOL_ENV = "KUZU_MEMORY_MIGRATIONS_BUFFER_POOL_MIB"

PACK = """
import hashlib, os
from kuzu_memory_migrations import DataMigration, MigrationResult, hookimpl


def digest(content):
    return hashlib.sha256(content.encode()).hexdigest()


class Lowercase(DataMigration):
    name = "bench_lowercase"

    def migrate(self):
        self.execute_cypher("MATCH (m:Memory) SET m.content = lower(m.content)")
        return MigrationResult(success=True, message="lowered")


class Transform(DataMigration):
    name = "bench_transform"

    def migrate(self):
        if not hasattr(self, "update_nodes") or os.environ["BENCH_MIGRATION"] == "keyed":
            return self.keyed()
        done = 0
        for batch in self.iter_nodes("Memory", ["content"]):
            for row in batch:
                row["content_hash"] = digest(row["content"])
            done += self.update_nodes("Memory", batch, ["content_hash"])
        return MigrationResult(success=True, message=f"{done}")

    def keyed(self):
        done = 0
        for batch in self.iter_batches(
            "MATCH (m:Memory) WHERE m.id > $after "
            "RETURN m.id AS id, m.content AS content ORDER BY m.id LIMIT $limit"
        ):
            rows = [{"id": r["id"], "h": digest(r["content"])} for r in batch]
            # `WITH r.id AS id` lets Kuzu join on the key; matching on `r.id` directly
            # is planned as a scan per row (30x slower at 100,000 rows).
            self.execute_cypher(
                "UNWIND $rows AS r WITH r, r.id AS id MATCH (m:Memory) WHERE m.id = id "
                "SET m.content_hash = r.h",
                {"rows": rows},
            )
            done += len(rows)
        return MigrationResult(success=True, message=f"{done}")


class SnapshotTransform(Transform):
    name = "bench_transform_snapshot"
    database_mode = "snapshot"


@hookimpl
def register_migrations():
    chosen = os.environ["BENCH_MIGRATION"]
    return [{"lowercase": Lowercase, "snapshot": SnapshotTransform}.get(chosen, Transform)]
"""

PEAK_RSS = """
def peak_rss():
    # VmHWM, not getrusage: ru_maxrss survives exec, so a child would report at least the
    # RSS its parent had when it forked (the parent here has built the databases)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

FRAMEWORK = (
    PEAK_RSS
    + """
import json, sys, time
from pathlib import Path
import kuzu  # imported by both sides before the clock starts
from kuzu_memory_migrations.engine import journal
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
copying = [0.0]  # seconds the journal spent copying files (the database, in snapshot mode)
keep = journal.Journal.snapshot
def snapshot(self, *args, **kwargs):
    started = time.perf_counter()
    try:
        return keep(self, *args, **kwargs)
    finally:
        copying[0] += time.perf_counter() - started
journal.Journal.snapshot = snapshot
started = time.perf_counter()
cpu_started = time.process_time()
report = run(Project(Path(sys.argv[1])), RunOptions())
elapsed = time.perf_counter() - started
statuses = [o.status.value for o in report.outcomes]
assert statuses == ["applied"], (statuses, [o.reason for o in report.outcomes], report.problems)
print(json.dumps({"seconds": elapsed, "rows": report.outcomes[0].reason, "rss": peak_rss(),
                  "cpu": time.process_time() - cpu_started, "copy": copying[0]}))
"""
)

RAW = """
import json, sys, time
import kuzu
started = time.perf_counter()
database = kuzu.Database(sys.argv[1])
connection = kuzu.Connection(database)
connection.execute("BEGIN TRANSACTION")
connection.execute("MATCH (m:Memory) SET m.content = lower(m.content)")
connection.execute("COMMIT")
connection.close()
database.close()
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


RAW_TRANSFORM = (
    PEAK_RSS
    + """
import hashlib, json, sys, time
import kuzu
BATCH = 5_000
WRITE = ("MATCH (m:Memory) WHERE offset(id(m)) >= $lo AND offset(id(m)) < $hi "
         "AND $keep[offset(id(m)) - $lo + 1] SET m.content_hash = $h[offset(id(m)) - $lo + 1]")
started, cpu_started = time.perf_counter(), time.process_time()
database = kuzu.Database(sys.argv[1], buffer_pool_size=int(sys.argv[2]) * 2**20)
connection = kuzu.Connection(database)
connection.execute("BEGIN TRANSACTION")
write = kuzu.PreparedStatement(connection, WRITE)  # reused: see the notes for pack authors
result = connection.execute("MATCH (m:Memory) RETURN offset(id(m)), m.content")
done = 0
def flush(run):
    low, high = run[0][0], run[-1][0] + 1
    keep, hashes = [False] * (high - low), [""] * (high - low)
    for offset, digest in run:
        keep[offset - low] = True
        hashes[offset - low] = digest
    connection.execute(write, {"lo": low, "hi": high, "keep": keep, "h": hashes})
while result.has_next():
    # two threads read the table: a batch's offsets are near each other, not one range
    rows = sorted(result.get_n(BATCH))
    run = []
    for offset, content in rows:
        if run and offset - run[0][0] >= 2 * BATCH:
            flush(run)
            run = []
        run.append((offset, hashlib.sha256(content.encode()).hexdigest()))
    flush(run)
    done += len(rows)
result.close()
connection.execute("COMMIT")
connection.close()
database.close()
print(json.dumps({"seconds": time.perf_counter() - started, "rows": done, "rss": peak_rss(),
                  "cpu": time.process_time() - cpu_started}))
"""
)

RAW_COMMITTING = (
    PEAK_RSS
    + """
import hashlib, json, sys, time
import kuzu
PAGE, BATCH = 100_000, 10_000
READ = ("MATCH (m:Memory) WHERE offset(id(m)) >= $lo AND offset(id(m)) < $hi "
        "RETURN offset(id(m)), m.content")
WRITE = ("MATCH (m:Memory) WHERE offset(id(m)) >= $lo AND offset(id(m)) < $hi "
         "SET m.content_hash = $h[offset(id(m)) - $lo + 1]")
started, cpu_started = time.perf_counter(), time.process_time()
database = kuzu.Database(sys.argv[1], buffer_pool_size=int(sys.argv[2]) * 2**20)
connection = kuzu.Connection(database)
read = kuzu.PreparedStatement(connection, READ)
write = kuzu.PreparedStatement(connection, WRITE)
total = connection.execute("MATCH (m:Memory) RETURN count(m)").get_next()[0]
done = 0
for low in range(0, total, PAGE):  # pages of offsets, no transaction: each statement commits
    result = connection.execute(read, {"lo": low, "hi": low + PAGE})
    rows = []
    while result.has_next():
        rows.extend(result.get_n(BATCH))
    result.close()
    rows.sort()
    for start in range(0, len(rows), BATCH):
        run = rows[start:start + BATCH]
        hashes = [hashlib.sha256(content.encode()).hexdigest() for _, content in run]
        connection.execute(write, {"lo": run[0][0], "hi": run[-1][0] + 1, "h": hashes})
    done += len(rows)
connection.close()
database.close()
print(json.dumps({"seconds": time.perf_counter() - started, "rows": done, "rss": peak_rss(),
                  "cpu": time.process_time() - cpu_started}))
"""
)
"""Snapshot mode's work done by raw kuzu: offset pages, each statement committed on its own
(the table's offsets are dense, as `build_database` makes them)."""


def build_database(path: Path, rows: int) -> float:
    """`rows` Memory nodes in kuzu-memory 1.12's Memory table; returns the seconds it took."""
    import kuzu
    from kuzu_memory_migrations.testing.projects import SCHEMA_1_12

    started = time.perf_counter()
    database = kuzu.Database(str(path))
    connection = kuzu.Connection(database)
    memory_table = next(ddl for ddl in SCHEMA_1_12 if "TABLE IF NOT EXISTS Memory" in ddl)
    connection.execute(memory_table)
    for start in range(0, rows, BUILD_BATCH):
        batch = [
            {
                "id": f"mem-{index:09d}",
                "content": f"Memory {index}: The Build Uses Nox Sessions And Kuzu {index % 97}",
            }
            for index in range(start, min(rows, start + BUILD_BATCH))
        ]
        connection.execute(
            "UNWIND $rows AS r CREATE (m:Memory {id: r.id, content: r.content})", {"rows": batch}
        )
    connection.close()
    database.close()
    return time.perf_counter() - started


def project_with(database: Path, folder: Path) -> Path:
    root = folder / f"project-{time.time_ns()}"
    (root / ".kuzu-memory").mkdir(parents=True)
    shutil.copyfile(database, root / ".kuzu-memory" / "memories.db")
    return root


def pack_env(folder: Path, migration: str) -> dict[str, str]:
    packs = folder / "packs"
    packs.mkdir(exist_ok=True)
    (packs / "bench_data_pack.py").write_text(PACK)
    return {
        "PYTHONPATH": str(packs),
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD": "1",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS": "bench_data_pack",
        "BENCH_MIGRATION": migration,
        POOL_ENV: str(POOL_MIB),
    }


def same_cypher(results: Results, database: Path, folder: Path, rows: int, repeat: int) -> None:
    env = pack_env(folder, "lowercase")
    ours, raw = [], []
    for _ in range(repeat):  # alternated, each on a fresh copy, so drift hits both alike
        root = project_with(database, folder)
        ours.append(fresh(FRAMEWORK, str(root), env=env)["seconds"])
        shutil.rmtree(root)
        root = project_with(database, folder)
        raw.append(fresh(RAW, str(root / ".kuzu-memory" / "memories.db"))["seconds"])
        shutil.rmtree(root)
    results.add(
        Figure(
            SECTION,
            f"DataMigration `SET m.content = lower(m.content)`, {rows:,} Memory nodes",
            min(ours),
            "s",
            "raw kuzu running the same Cypher",
            min(raw),
            note="best of each side; runner: plugins, lock, journal, transaction, state",
        )
    )


class Run(NamedTuple):
    speed: float
    """rows per second of wall time"""
    rss: float
    """peak RSS, MiB"""
    cpu_speed: float
    """rows per second of the process's CPU time (user + system, all threads)"""
    seconds: float
    """wall time of the whole run"""
    copy: float
    """of which the journal copied files (the database, in snapshot mode)"""


def measured(result: dict[str, Any]) -> Run:
    rows = int(result["rows"])
    return Run(
        rows / result["seconds"],
        result["rss"] / 1024,
        rows / result["cpu"],
        result["seconds"],
        float(result.get("copy", 0.0)),
    )


def transform(database: Path, folder: Path, migration: str) -> Run:
    """Speed and peak RSS of a DataMigration transform over the table."""
    root = project_with(database, folder)
    result = fresh(FRAMEWORK, str(root), env=pack_env(folder, migration))
    shutil.rmtree(root)
    return measured(result)


def raw_transform(database: Path, folder: Path, pool_mib: int, script: str = RAW_TRANSFORM) -> Run:
    """The same work by raw kuzu: by default one streaming read and batched writes in one
    transaction; `RAW_COMMITTING` commits each statement, as snapshot mode does."""
    root = project_with(database, folder)
    result = fresh(script, str(root / ".kuzu-memory" / "memories.db"), str(pool_mib))
    shutil.rmtree(root)
    return measured(result)


def best(samples: list[Run]) -> Run:
    """The fastest of alternated runs, and the lowest peak RSS."""
    fastest = max(samples, key=lambda run: run.speed)
    return Run(
        fastest.speed,
        min(run.rss for run in samples),
        max(run.cpu_speed for run in samples),
        fastest.seconds,
        fastest.copy,
    )


def transforms(
    results: Results, big: Path, small: Path, folder: Path, rows: int, small_rows: int, repeat: int
) -> None:
    runs: dict[str, list[Run]] = {}
    plan: list[tuple[str, Callable[[], Run]]] = [
        ("small", lambda: transform(small, folder, "transform")),
        ("big", lambda: transform(big, folder, "transform")),
        ("raw", lambda: raw_transform(big, folder, POOL_MIB)),
        ("snapshot_small", lambda: transform(small, folder, "snapshot")),
        ("snapshot_big", lambda: transform(big, folder, "snapshot")),
    ]
    for _ in range(repeat):  # alternated, so drift on a shared machine hits all alike
        for name, action in plan:
            runs.setdefault(name, []).append(action())
    runs["raw_default_pool"] = [raw_transform(big, folder, 0)]
    runs["raw_small"] = [raw_transform(small, folder, POOL_MIB)]
    runs["raw_committing_small"] = [raw_transform(small, folder, POOL_MIB, RAW_COMMITTING)]
    runs["raw_committing_big"] = [raw_transform(big, folder, POOL_MIB, RAW_COMMITTING)]
    runs["keyed_small"] = [transform(small, folder, "keyed")]
    runs["keyed_big"] = [transform(big, folder, "keyed")]
    small_run, big_run, raw = best(runs["small"]), best(runs["big"]), best(runs["raw"])
    small_speed, small_rss = small_run.speed, small_run.rss
    big_speed, big_rss = big_run.speed, big_run.rss
    raw_speed, raw_rss = raw.speed, raw.rss
    pool = f"buffer pool {POOL_MIB} MiB"
    work = "read content, sha256 in Python, write content_hash; one transaction"
    for figure in (
        Figure(
            SECTION,
            f"DataMigration transform, {rows:,} rows",
            big_speed,
            "rows/s",
            f"the same at {small_rows:,} rows",
            small_speed,
            note=f"{work}; best of {repeat}; {pool}",
        ),
        Figure(
            SECTION,
            f"DataMigration transform, {rows:,} rows",
            big_speed,
            "rows/s",
            "raw kuzu doing the same work (one streaming read, batched writes)",
            raw_speed,
            note=f"best of {repeat}; {pool}",
        ),
        Figure(
            SECTION,
            f"DataMigration transform, {rows:,} rows, per CPU-second",
            big_run.cpu_speed,
            "rows/s",
            f"the same at {small_rows:,} rows",
            small_run.cpu_speed,
            note="process CPU time (all threads): steadier than wall time on a shared machine",
        ),
        Figure(
            SECTION,
            f"DataMigration transform, {rows:,} rows, per CPU-second",
            big_run.cpu_speed,
            "rows/s",
            "raw kuzu doing the same work",
            raw.cpu_speed,
        ),
        Figure(
            SECTION,
            f"peak RSS of that transform, {rows:,} rows",
            big_rss,
            "MiB",
            f"the same at {small_rows:,} rows",
            small_rss,
            note="whole process; Kuzu holds the transaction's changes in memory until COMMIT",
        ),
        Figure(
            SECTION,
            f"peak RSS of that transform, {rows:,} rows",
            big_rss,
            "MiB",
            "raw kuzu doing the same work",
            raw_rss,
            note=pool,
        ),
        Figure(
            SECTION,
            f"peak RSS of raw kuzu's transform, {rows:,} rows",
            raw_rss,
            "MiB",
            f"the same at {small_rows:,} rows",
            runs["raw_small"][0].rss,
            note="the engine's own growth: its transaction holds every change",
        ),
        Figure(
            SECTION,
            f"peak RSS of raw kuzu's transform, {rows:,} rows, {pool}",
            raw_rss,
            "MiB",
            "the same with Kuzu's default buffer pool",
            runs["raw_default_pool"][0].rss,
            note="Kuzu's default pool is 80% of the machine's memory",
        ),
        Figure(
            SECTION,
            f"key-paged iter_batches + `UNWIND $rows` writes, {rows:,} rows",
            runs["keyed_big"][0].speed,
            "rows/s",
            f"the same at {small_rows:,} rows",
            runs["keyed_small"][0].speed,
            note="the shape of 0.1 packs; each write's key join scans the table",
        ),
        Figure(
            SECTION,
            f"key-paged iter_batches + `UNWIND $rows` writes, {rows:,} rows",
            runs["keyed_big"][0].speed,
            "rows/s",
            "the DataMigration transform above",
            big_speed,
        ),
        *snapshot_figures(runs, big_run, raw, rows, small_rows, repeat),
    ):
        results.add(figure)


def snapshot_figures(
    runs: dict[str, list[Run]], big_run: Run, raw: Run, rows: int, small_rows: int, repeat: int
) -> list[Figure]:
    """The transform with `database_mode = "snapshot"`: no transaction holds its changes."""
    small, big = best(runs["snapshot_small"]), best(runs["snapshot_big"])
    committing_small, committing_big = (
        runs["raw_committing_small"][0],
        runs["raw_committing_big"][0],
    )
    what = f"snapshot-mode DataMigration transform, {rows:,} rows"
    how = "database files copied first, then each statement commits on its own"
    return [
        Figure(
            SECTION,
            what,
            big.speed,
            "rows/s",
            f"the same at {small_rows:,} rows",
            small.speed,
            note=f"{how}; best of {repeat}",
        ),
        Figure(SECTION, what, big.speed, "rows/s", "raw kuzu doing the same work", raw.speed),
        Figure(
            SECTION,
            what,
            big.speed,
            "rows/s",
            "the transform in a transaction (above)",
            big_run.speed,
        ),
        Figure(
            SECTION,
            f"peak RSS of the snapshot-mode transform, {rows:,} rows",
            big.rss,
            "MiB",
            f"the same at {small_rows:,} rows",
            small.rss,
            note="no transaction keeps the changes until the end",
        ),
        Figure(
            SECTION,
            f"peak RSS of the snapshot-mode transform, {rows:,} rows",
            big.rss,
            "MiB",
            "the transform in a transaction (above)",
            big_run.rss,
        ),
        Figure(
            SECTION,
            f"peak RSS of the snapshot-mode transform, {rows:,} rows",
            big.rss,
            "MiB",
            "raw kuzu doing the same work, each statement committed",
            committing_big.rss,
        ),
        Figure(
            SECTION,
            f"peak RSS of raw kuzu committing each statement, {rows:,} rows",
            committing_big.rss,
            "MiB",
            f"the same at {small_rows:,} rows",
            committing_small.rss,
            note="offset pages, prepared statements: what the engine keeps outside its pool",
        ),
        Figure(
            SECTION,
            f"copy of the database files in the snapshot-mode transform, {rows:,} rows",
            big.copy,
            "s",
            "that whole run",
            big.seconds,
            note="the journal's fsynced copy, in the fastest run",
        ),
    ]


def snapshot(results: Results, database: Path, folder: Path, repeat: int) -> None:
    from kuzu_memory_migrations.engine.journal import Journal

    ours, cp, synced = [], [], []
    for index in range(repeat):
        journal = Journal.create(
            folder / f"journal-{index}",
            folder / f"outside-{index}",
            project_root=str(folder),
            migration="bench",
        )
        started = time.perf_counter()
        journal.snapshot(database)
        ours.append(time.perf_counter() - started)
        journal.discard()
        target = folder / f"cp-{index}.db"
        started = time.perf_counter()
        subprocess.run(["cp", str(database), str(target)], check=True)
        cp.append(time.perf_counter() - started)
        target.unlink()
        started = time.perf_counter()
        subprocess.run(["cp", str(database), str(target)], check=True)
        descriptor = os.open(target, os.O_RDONLY)
        os.fsync(descriptor)
        os.close(descriptor)
        synced.append(time.perf_counter() - started)
        target.unlink()
    size = database.stat().st_size / 2**20
    results.add(
        Figure(
            SECTION,
            f"journal snapshot of the database file ({size:,.0f} MiB)",
            min(ours),
            "s",
            "`cp` of the same file",
            min(cp),
            note="the snapshot is fsynced; cp is not",
        )
    )
    results.add(
        Figure(
            SECTION,
            f"journal snapshot of the database file ({size:,.0f} MiB)",
            min(ours),
            "s",
            "`cp` of the same file, then fsync",
            min(synced),
        )
    )


def run(results: Results, *, rows: int, small_rows: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        big, small = folder / "big.db", folder / "small.db"
        built = build_database(big, rows)
        print(f"[{SECTION}] built {rows:,} Memory nodes in {built:.1f} s", flush=True)
        build_database(small, small_rows)
        same_cypher(results, big, folder, rows, repeat)
        transforms(results, big, small, folder, rows, small_rows, min(repeat, 3))
        snapshot(results, big, folder, repeat)
