"""Data migrations at Kuzu's speed, and database snapshots at cp's.

- the same Cypher (`MATCH (m:Memory) SET m.content = lower(m.content)`) run by a
  DataMigration through the runner (plugin loading, lock, journal, transaction, state)
  against raw kuzu (open, BEGIN, SET, COMMIT, close), each in a fresh process on its own
  copy of the database;
- a Python-side transform with `iter_batches` (read a batch, hash in Python, write it back),
  rows per second and the process's peak RSS, at two table sizes;
- the journal's snapshot of the database file against `cp`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import Figure, Results, fresh

SECTION = "data"
BUILD_BATCH = 50_000

PACK = """
import hashlib, os
from kuzu_memory_migrations import DataMigration, MigrationResult, hookimpl


class Lowercase(DataMigration):
    name = "bench_lowercase"

    def migrate(self):
        self.execute_cypher("MATCH (m:Memory) SET m.content = lower(m.content)")
        return MigrationResult(success=True, message="lowered")


class Transform(DataMigration):
    name = "bench_transform"

    def migrate(self):
        done = 0
        for batch in self.iter_batches(
            "MATCH (m:Memory) WHERE m.id > $after "
            "RETURN m.id AS id, m.content AS content ORDER BY m.id LIMIT $limit"
        ):
            rows = [{"id": r["id"], "h": hashlib.sha256(r["content"].encode()).hexdigest()}
                    for r in batch]
            # `WITH r.id AS id` lets Kuzu join on the key; matching on `r.id` directly
            # is planned as a scan per row (30x slower at 100,000 rows).
            self.execute_cypher(
                "UNWIND $rows AS r WITH r, r.id AS id MATCH (m:Memory) WHERE m.id = id "
                "SET m.content_hash = r.h",
                {"rows": rows},
            )
            done += len(rows)
        return MigrationResult(success=True, message=f"{done}")


@hookimpl
def register_migrations():
    return [Lowercase if os.environ["BENCH_MIGRATION"] == "lowercase" else Transform]
"""

FRAMEWORK = """
import json, resource, sys, time
from pathlib import Path
import kuzu  # imported by both sides before the clock starts
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
started = time.perf_counter()
report = run(Project(Path(sys.argv[1])), RunOptions())
elapsed = time.perf_counter() - started
statuses = [o.status.value for o in report.outcomes]
assert statuses == ["applied"], (statuses, [o.reason for o in report.outcomes], report.problems)
print(json.dumps({"seconds": elapsed, "rows": report.outcomes[0].reason,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

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


def transform(database: Path, folder: Path) -> tuple[float, float]:
    """Rows per second and peak RSS (MiB) of an iter_batches transform over the table."""
    root = project_with(database, folder)
    result = fresh(FRAMEWORK, str(root), env=pack_env(folder, "transform"))
    shutil.rmtree(root)
    return int(result["rows"]) / result["seconds"], result["rss"] / 1024


def snapshot(results: Results, database: Path, folder: Path, repeat: int) -> None:
    from kuzu_memory_migrations.engine.journal import Journal

    ours, cp, synced = [], [], []
    for index in range(repeat):
        journal = Journal.begin(folder / f"journal-{index}", migration="bench")
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
        small_speed, small_rss = transform(small, folder)
        big_speed, big_rss = transform(big, folder)
        results.add(
            Figure(
                SECTION,
                f"iter_batches transform, {rows:,} rows",
                big_speed,
                "rows/s",
                f"the same at {small_rows:,} rows",
                small_speed,
                note="read a batch, sha256 in Python, write it back; one transaction",
            )
        )
        results.add(
            Figure(
                SECTION,
                f"peak RSS of that transform, {rows:,} rows",
                big_rss,
                "MiB",
                f"the same at {small_rows:,} rows",
                small_rss,
                note="whole process: Python, Kuzu's page cache and its transaction",
            )
        )
        snapshot(results, big, folder, repeat)
