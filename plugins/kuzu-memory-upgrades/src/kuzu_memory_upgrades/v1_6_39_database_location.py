"""database_location_v1.6.39: the database moves from `kuzu-memories/` into `.kuzu-memory/`.

Why: 1.12 reads `.kuzu-memory/memories.db` as soon as `.kuzu-memory/` exists (and 1.6's own
`install claude-code` already creates that folder for its config.yaml). On a 1.6 project it
then creates an empty database there and every old memory is orphaned. Moving the database,
with the files `init` wrote beside it, and pointing config.yaml at the new place, keeps them.

legacy_names: none; 1.12.11 has no migration for the move (it orphans the old database).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from kuzu_memory_migrations import ConfigFiles, DatabaseWork, MigrationResult, StructureMigration

from ._layout import (
    CONFIG_FILES,
    DATABASE,
    DATABASE_COMPANIONS,
    LEGACY_DIR,
    MEMORY_DIR,
    STALE_LOCK,
)
from ._wording import tense


class DatabaseLocationMigration(ConfigFiles, DatabaseWork, StructureMigration):
    """Move the database and its files from kuzu-memories/ to .kuzu-memory/."""

    name = "database_location_v1.6.39"
    from_version = "1.6.39"
    priority = 10

    # -- what is where ---------------------------------------------------------------

    def _old_dir(self) -> Path:
        return self.path(LEGACY_DIR)

    def _new_dir(self) -> Path:
        return self.path(MEMORY_DIR)

    def _stale_config_paths(self) -> list[tuple[str, MutableMapping[str, Any], str]]:
        """(config file, its `database` mapping, new path) for each config naming the old folder."""
        stale: list[tuple[str, MutableMapping[str, Any], str]] = []
        for config_file in CONFIG_FILES:
            if not self.exists(config_file):
                continue
            config = self.load_config(config_file)
            database = config.get("database")
            if not isinstance(database, MutableMapping):
                continue
            value = database.get("path")
            if not isinstance(value, str) or not value.strip():
                continue
            new_value = self._moved(value)
            if new_value is not None:
                stale.append((config_file, config, new_value))
        return stale

    def _moved(self, value: str) -> str | None:
        """Where a `database.path` naming the old folder (or the file in it) must point now."""
        configured = Path(value).expanduser()
        if not configured.is_absolute():
            configured = self.project_root / configured
        old_dir = self._old_dir()
        if configured in (old_dir, old_dir.resolve()):
            return str(self._new_dir())
        if configured in (old_dir / DATABASE, old_dir.resolve() / DATABASE):
            return str(self._new_dir() / DATABASE)
        return None

    def check_applicable(self) -> bool:
        return self.exists(f"{LEGACY_DIR}/{DATABASE}") or bool(self._stale_config_paths())

    def description(self) -> str:
        return (
            "Move the database (memories.db, README.md, project_info.md, .gitignore) from "
            "kuzu-memories/ into .kuzu-memory/ and point config.yaml's database.path there"
        )

    def _count_memories(self, path: Path) -> int:
        """Memory rows of the database at `path`, read-only; the database is closed after,
        so that its file can move. One held open by a kuzu-memory process defers us."""
        database = self.database(path)
        try:
            if "Memory" not in database.tables():
                return 0
            return int(database.query("MATCH (m:Memory) RETURN count(m) AS n")[0]["n"])
        finally:
            database.release()

    # -- the move ----------------------------------------------------------------------

    def migrate(self) -> MigrationResult:
        changes: list[str] = []
        warnings: list[str] = []
        old_db = self._old_dir() / DATABASE
        new_db = self._new_dir() / DATABASE
        if self.exists(old_db):
            # Opening it read-only also proves no kuzu-memory process holds it (else: deferred).
            old_count = self._count_memories(old_db)
            if self.exists(new_db):
                new_count = self._count_memories(new_db)
                if new_count:
                    return MigrationResult(
                        success=False,
                        message=(
                            f"Both {old_db} ({old_count} memories) and {new_db} ({new_count} "
                            "memories) exist; kuzu-memory 1.12 only reads the second. Keep the "
                            "one you want (export the other's memories first), remove the other, "
                            "and run again."
                        ),
                    )
                changes.append(
                    f"Replaced {new_db} (an empty database kuzu-memory 1.12 created) with the "
                    f"old one holding {old_count} memories"
                )
                self.remove_path(new_db)
                self.remove_path(f"{new_db}.wal")  # a log of the empty one must not replay
            self.move_file(old_db, new_db)
            changes.append(f"Moved {old_db} -> {new_db} ({old_count} memories)")
            if self.move_file(f"{old_db}.wal", f"{new_db}.wal"):
                changes.append(f"Moved {old_db}.wal -> {new_db}.wal")
            self._move_companions(changes, warnings)
        for config_file, config, new_value in self._stale_config_paths():
            database = config["database"]
            old_value = database["path"]
            database["path"] = new_value
            self.save_config(config, config_file)
            changes.append(f"Set database.path in {config_file}: {old_value} -> {new_value}")
        return MigrationResult(
            success=True,
            message=f"Database {tense(self, 'now in', 'would move to')} {MEMORY_DIR}/",
            changes=changes,
            warnings=warnings,
        )

    def _move_companions(self, changes: list[str], warnings: list[str]) -> None:
        """Move README.md, project_info.md and .gitignore; drop the stale lock and the old folder.

        A companion already present in `.kuzu-memory/` is kept: an identical old copy is
        removed, a different one stays in the old folder with a warning.
        """
        old_dir, new_dir = self._old_dir(), self._new_dir()
        for name in DATABASE_COMPANIONS:
            source, target = old_dir / name, new_dir / name
            if not self.exists(source):
                continue
            if not self.exists(target):
                self.move_file(source, target)
                changes.append(f"Moved {source} -> {target}")
            elif self.read_bytes(source) == self.read_bytes(target):
                self.remove_path(source)
                changes.append(f"Removed {source} (identical to {target})")
            else:
                warnings.append(f"Kept {source}: {target} exists with other content")
        if self.remove_path(old_dir / STALE_LOCK):
            changes.append(f"Removed stale lock file {old_dir / STALE_LOCK}")
        if self._is_empty_dir(old_dir):
            self.remove_path(old_dir)
            changes.append(f"Removed the empty folder {old_dir}")
        else:
            warnings.append(f"{old_dir} still holds files kuzu-memory does not use; left as is")

    def _is_empty_dir(self, folder: Path) -> bool:
        """Empty once this run's (or this dry run's) changes are counted."""
        if not folder.is_dir():
            return False
        return not any(self.exists(child) for child in folder.iterdir())
