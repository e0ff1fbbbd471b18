"""Helpers of the pack tests: run the real runner, fingerprint a project tree, dump a database."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kuzu_memory_migrations import RunReport, Status
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import Mode, RunOptions, run

REPO = Path(__file__).resolve().parents[2]
UPGRADES_SRC = REPO / "plugins" / "kuzu-memory-upgrades" / "src"
EXAMPLE_SRC = REPO / "plugins" / "example-pack" / "src"
UPGRADES = "kuzu_memory_upgrades.plugin"
EXAMPLE = "kuzu_memory_example_pack.plugin"
TEST_PLUGIN = "packs_test_plugin"
FRAMEWORK_FILES = (".kuzu-memory/migrations", ".kuzu-memory/migration_state.json")
"""The framework's own bookkeeping: written by every applying run, not by a migration."""

UPGRADE_NAMES = (
    "database_location_v1.6.39",
    "mcp_database_v1.6.39",
    "async_hooks_v1.6.33",
    "knowledge_type_v1.6.45",
    "project_tag_v1.6.46",
    "config_defaults_v1.7.0",
    "bash_hooks_v1.7.0",
    "cleanup_logs_v1.8.0",
    "schema_columns_v1.8.1",
    "content_hash_backfill_v1.9.0",
    "schema_tables_v1.12.11",
    "memory_vector_index_v1.12.11",
)


def migrate(root: Path, mode: Mode = Mode.APPLY, **options: Any) -> RunReport:
    """One run of the real runner on `root`, with the plugins the environment selects."""
    return run(Project(root), RunOptions(mode=mode, lock_wait=5.0, **options))


def outcome(report: RunReport, name: str) -> Any:
    found = [o for o in report.outcomes if o.name == name]
    assert found, f"{name} not in {[o.name for o in report.outcomes]}"
    return found[-1]


def statuses(report: RunReport) -> dict[str, Status]:
    return {o.name: o.status for o in report.outcomes}


def tree(root: Path, *, skip: Iterable[str] = (), logical_db: bool = False) -> dict[str, Any]:
    """Every file, link and folder under `root` with its content (a sha256) and mode.

    With `logical_db`, a Kuzu database is compared by its content (schema and rows): Kuzu
    rewrites pages of the file on every writable open, even when nothing is committed.
    """
    skipped = {root / s for s in skip}
    found: dict[str, Any] = {}
    for path in sorted(_walk(root, skipped)):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = ("link", os.readlink(path))
        elif path.is_dir():
            found[key] = ("dir", path.stat().st_mode & 0o777)
        elif logical_db and path.name == "memories.db":
            found[key] = ("db", db_dump(path))
        elif logical_db and path.name == "memories.db.wal":
            continue
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            found[key] = ("file", digest, path.stat().st_mode & 0o777)
    return found


def _walk(folder: Path, skipped: set[Path]) -> Iterator[Path]:
    for child in folder.iterdir():
        if child in skipped:
            continue
        yield child
        if child.is_dir() and not child.is_symlink():
            yield from _walk(child, skipped)


def db_dump(path: Path) -> dict[str, Any]:
    """Tables, columns, indexes and every row of a Kuzu database, opened read-only."""
    import kuzu

    database = kuzu.Database(str(path), read_only=True)
    connection = kuzu.Connection(database)

    def rows(query: str) -> list[list[Any]]:
        result = connection.execute(query)
        assert not isinstance(result, list)
        out: list[list[Any]] = []
        while result.has_next():
            out.append([repr(value) for value in result.get_next()])
        return out

    try:
        dump: dict[str, Any] = {"indexes": rows("CALL show_indexes() RETURN *")}
        for _, name, kind, *_ in rows("CALL show_tables() RETURN *"):
            table = name.strip("'")
            dump[table] = {"columns": rows(f"CALL table_info('{table}') RETURN *")}
            if kind == "'NODE'":
                dump[table]["rows"] = sorted(rows(f"MATCH (n:{table}) RETURN n"))
            else:
                dump[table]["count"] = rows(f"MATCH ()-[r:{table}]->() RETURN count(r)")
        return dump
    finally:
        connection.close()
        database.close()


@contextmanager
def held_open(db_path: Path) -> Iterator[None]:
    """Hold the database open in another process, as kuzu-memory's MCP server does."""
    code = (
        "import sys, time, kuzu\n"
        "db = kuzu.Database(sys.argv[1]); conn = kuzu.Connection(db)\n"
        "print('ready', flush=True)\n"
        "time.sleep(120)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        time.sleep(0.1)
        yield
    finally:
        holder.kill()
        holder.wait()
