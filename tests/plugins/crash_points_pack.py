"""Migrations whose every effect shows if it happened twice (or not at all), for killing a run
at each of its durable steps: appends, counters in files and in Kuzu, a move, a removal, a
file outside the project, a schema change in a transaction and one from a snapshot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import ClassVar, Literal

from kuzu_memory_migrations import (
    CleanupMigration,
    ConfigMigration,
    DataMigration,
    Migration,
    MigrationResult,
    SchemaMigration,
    hookimpl,
)

LEDGER = ".kuzu-memory/ledger.txt"
COUNTERS = 5_000


def user_file() -> Path:
    return Path.home() / ".claude" / "settings.json"


def _append(migration: Migration, line: str) -> None:
    """Plain I/O, not a helper: journaled all the same."""
    with open(migration.project_root / LEDGER, "a", encoding="utf-8") as ledger:
        ledger.write(line + "\n")


class Files(ConfigMigration):
    """A helper write, a plain append, a move, and a file outside the project."""

    name = "crash_files"
    priority = 10
    config_file = ".kuzu-memory/config.json"

    def declared_paths(self) -> list[Path]:
        return [user_file()]

    def migrate(self) -> MigrationResult:
        config = self.load_config()
        config["runs"] = int(config.get("runs", 0)) + 1
        self.save_config(config)
        _append(self, "crash_files")
        self.move_file(".kuzu-memory/old.txt", ".kuzu-memory/moved/new.txt")
        settings = self.read_json(user_file())
        settings.setdefault("applied", []).append("crash_files")
        self.write_json(user_file(), settings)
        return MigrationResult(success=True, message="files changed")


class Counters(DataMigration):
    """`SET n = n + 1` on every row, in a transaction: counted twice if applied twice."""

    name = "crash_counters"
    priority = 20
    legacy_names: ClassVar[tuple[str, ...]] = ("crash_counters_builtin",)

    def migrate(self) -> MigrationResult:
        self.execute_cypher("MATCH (c:Counter) SET c.n = c.n + 1")
        _append(self, "crash_counters")
        return MigrationResult(success=True, message=f"{COUNTERS} counters incremented")


class Snapshot(SchemaMigration):
    """Work outside a transaction, undone from a copy of the database files."""

    name = "crash_snapshot"
    priority = 30
    database_mode: ClassVar[Literal["transaction", "snapshot"]] = "snapshot"

    def migrate(self) -> MigrationResult:
        self.execute_cypher("CREATE NODE TABLE Added (id INT64 PRIMARY KEY)")
        self.execute_cypher("CREATE (:Added {id: 1})")
        _append(self, "crash_snapshot")
        return MigrationResult(success=True, message="table added")


class Cleanup(CleanupMigration):
    """A whole folder removed with plain `shutil.rmtree`."""

    name = "crash_cleanup"

    def migrate(self) -> MigrationResult:
        shutil.rmtree(self.project_root / ".kuzu-memory" / "logs")
        _append(self, "crash_cleanup")
        return MigrationResult(success=True, message="logs removed")


MIGRATIONS = ("crash_files", "crash_counters", "crash_snapshot", "crash_cleanup")


def seed(root: Path) -> None:
    """A project with a database of counters, a config, logs, and the user's settings."""
    import kuzu

    memory = root / ".kuzu-memory"
    (memory / "logs" / "nested").mkdir(parents=True)
    (memory / "logs" / "hook.log").write_text("old\n")
    (memory / "logs" / "nested" / "deep.log").write_text("deeper\n")
    (memory / "config.json").write_text(json.dumps({"user": "kept"}))
    (memory / "old.txt").write_text("to be moved")
    user_file().parent.mkdir(parents=True, exist_ok=True)
    user_file().write_text(json.dumps({"theme": "dark"}))
    database = kuzu.Database(str(memory / "memories.db"))
    connection = kuzu.Connection(database)
    connection.execute("CREATE NODE TABLE Counter (id INT64 PRIMARY KEY, n INT64)")
    connection.execute(f"UNWIND range(1, {COUNTERS}) AS i CREATE (:Counter {{id: i, n: 0}})")
    connection.close()
    database.close()


def effects(root: Path) -> dict[str, object]:
    """What the migrations did, counted: each must show exactly once."""
    import kuzu

    memory = root / ".kuzu-memory"
    database = kuzu.Database(str(memory / "memories.db"), read_only=True)
    connection = kuzu.Connection(database)
    sums = connection.execute("MATCH (c:Counter) RETURN sum(c.n), min(c.n), max(c.n)").get_next()
    tables = {row[1] for row in connection.execute("CALL show_tables() RETURN *").get_all()}
    added = (
        connection.execute("MATCH (a:Added) RETURN count(a)").get_next()[0]
        if "Added" in tables
        else 0
    )
    connection.close()
    database.close()
    ledger = memory / "ledger.txt"
    return {
        "ledger": ledger.read_text().splitlines() if ledger.exists() else [],
        "runs": json.loads((memory / "config.json").read_text()).get("runs", 0),
        "counters": [int(sums[0]), int(sums[1]), int(sums[2])],
        "added": int(added),
        "moved": (memory / "moved" / "new.txt").exists() and not (memory / "old.txt").exists(),
        "logs": (memory / "logs").exists(),
        "user": json.loads(user_file().read_text()).get("applied", []),
    }


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [Files, Counters, Snapshot, Cleanup]
