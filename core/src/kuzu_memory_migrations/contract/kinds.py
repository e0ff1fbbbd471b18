"""The seven typed bases, and the two kinds of helpers they are made of.

A typed base sets `migration_type` and knows where its kind of artifact lives. The helper
mixins (`ConfigFiles`, `DatabaseWork`) set no type, so a migration can combine them with
any base and keep that base's type: `class Move(ConfigFiles, StructureMigration)` is a
structure migration that also edits a config file.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ClassVar

from .access import DatabaseAccess, DatabaseMode
from .errors import ConfigFileError, MigrationDeferred
from .layout import DATABASE, DATABASE_NAME, LEGACY_MEMORY_DIRS, MEMORY_DIR
from .migration import Migration
from .results import MigrationType

_YAML_SUFFIXES = {".yaml", ".yml"}


class ConfigFiles(Migration):
    """Reading and writing YAML or JSON config files; YAML keeps comments and key order."""

    def load_config(self, path: Path | str) -> MutableMapping[str, Any]:
        """The config in `path` as a mapping (`{}` when the file does not exist)."""
        target = self.path(path)
        if target.suffix not in _YAML_SUFFIXES:
            return self.read_json(target)
        if not self.exists(target):
            return {}
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        try:
            data = yaml.load(self.read_text(target))
        except YAMLError as error:
            raise ConfigFileError.invalid_yaml(target, error) from error
        except UnicodeDecodeError as error:
            raise ConfigFileError(f"{target}: not UTF-8 text: {error}") from error
        except RecursionError:
            raise ConfigFileError(f"{target}: YAML nested too deeply to read") from None
        if data is None:
            return {}
        if not isinstance(data, MutableMapping):
            raise ConfigFileError(f"{target}: expected a mapping, found {type(data).__name__}")
        return data

    def save_config(self, data: MutableMapping[str, Any], path: Path | str) -> None:
        target = self.path(path)
        if target.suffix not in _YAML_SUFFIXES:
            self.write_json(target, dict(data))
            return
        from ruamel.yaml import YAML

        buffer = io.StringIO()
        yaml = YAML(typ="rt")
        yaml.preserve_quotes = True
        yaml.width = 4096  # never fold a long value (a path, say) onto two lines
        yaml.indent(mapping=2, sequence=4, offset=2)
        yaml.dump(data, buffer)
        self.write_text(target, buffer.getvalue())


class ConfigMigration(ConfigFiles):
    """Changes a config file in `.kuzu-memory/` (YAML or JSON, comments and order kept)."""

    migration_type = MigrationType.CONFIG
    config_file: ClassVar[str] = ""
    """Path of the config file, relative to the project root."""

    def get_config_path(self) -> Path:
        return self.path(self.config_file)

    def check_applicable(self) -> bool:
        return bool(self.config_file) and self.exists(self.get_config_path())

    def load_config(self, path: Path | str | None = None) -> MutableMapping[str, Any]:
        return super().load_config(path if path is not None else self.get_config_path())

    def save_config(self, data: MutableMapping[str, Any], path: Path | str | None = None) -> None:
        super().save_config(data, path if path is not None else self.get_config_path())


class SettingsMigration(ConfigMigration):
    """Changes user settings or preferences kept in a config file."""

    migration_type = MigrationType.SETTINGS


class HooksMigration(Migration):
    """Changes Claude Code hook entries in the user's and the project's settings files."""

    migration_type = MigrationType.HOOKS

    def get_hooks_config_paths(self) -> list[Path]:
        # Not through self.path(): the file access is built from these very paths.
        root = Path(os.path.abspath(self.project_root))
        return [
            Path.home() / ".claude" / "settings.json",
            Path.home() / ".claude" / "settings.local.json",
            root / ".claude" / "settings.json",
            root / ".claude" / "settings.local.json",
        ]

    def declared_paths(self) -> list[Path]:
        return self.get_hooks_config_paths()

    def check_applicable(self) -> bool:
        return any(self.exists(path) for path in self.get_hooks_config_paths())

    @staticmethod
    def iter_hook_commands(settings: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every `(event, entry)` holding a `command`, in the nested and the older flat shape."""
        hooks = settings.get("hooks")
        if not isinstance(hooks, dict):
            return
        for event, entries in hooks.items():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                nested = entry.get("hooks")
                if isinstance(nested, list):
                    for hook in nested:
                        if isinstance(hook, dict) and isinstance(hook.get("command"), str):
                            yield event, hook
                elif isinstance(entry.get("command"), str):
                    yield event, entry


class StructureMigration(Migration):
    """Moves or creates files and folders of the project."""

    migration_type = MigrationType.STRUCTURE


class CleanupMigration(Migration):
    """Removes deprecated files and folders (undoably, through `remove_path`)."""

    migration_type = MigrationType.CLEANUP
    priority = 900


class DatabaseWork(Migration):
    """Access to the project's graph database, for schema and data migrations.

    Statements that change the database run in one engine transaction per migration,
    committed only when it succeeds (together with the record that it was applied). With
    `database_mode = "snapshot"` the database files are copied first instead, for work the
    engine cannot do in a transaction (creating a vector index, say).
    """

    database_mode: ClassVar[DatabaseMode] = "transaction"
    database_file: ClassVar[str] = DATABASE

    def database_path(self) -> Path:
        """`database_file`; by default, where the project's database is (`_find_db_path`):
        `.kuzu-memory/memories.db`, else a legacy folder kuzu-memory used before 1.6.39."""
        configured = self.path(self.database_file)
        if self.database_file != DATABASE or self.exists(configured):
            return configured
        return self._find_db_path() or configured

    def database(self, path: Path | str | None = None) -> DatabaseAccess:
        """The migration's session on its database (another file of the project if given)."""
        target = self.path(path) if path is not None else self.database_path()
        return self.access.database(self.files.on_disk(target), self.database_mode)

    def check_applicable(self) -> bool:
        """The project has a database (where kuzu-memory keeps it now, or kept it before)."""
        return self._find_db_path() is not None

    def query(self, cypher: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a read query (also in a dry run, on a read-only connection)."""
        return self.database().query(cypher, parameters)

    def execute_cypher(self, query: str, parameters: dict[str, Any] | None = None) -> bool:
        """Run a statement that changes the database; a dry run only shows it.

        A failing statement raises (the migration fails and is undone unless it catches
        the error; the statements before it stay in the transaction either way).
        """
        self.database().execute(query, parameters)
        return True

    def tables(self) -> list[str]:
        return self.database().tables()

    def transaction(self) -> AbstractContextManager[None]:
        """One transaction around a block of statements, for a migration used outside any
        run (a pack's own command, say); inside a run, the migration's is used."""
        return self.database().transaction()

    def table_columns(self, table: str) -> list[str]:
        return self.database().columns(table)

    # -- the old built-in system's helpers, for code ported from it ----------------------

    def _find_db_path(self) -> Path | None:
        """The project's database: `.kuzu-memory/memories.db`, else a legacy location."""
        for folder in (MEMORY_DIR, *LEGACY_MEMORY_DIRS):
            candidate = self.path(f"{folder}/{DATABASE_NAME}")
            if self.exists(candidate):
                return candidate
        return None

    def _open_database(self, db_path: Path) -> tuple[Any, Any] | None:
        """`(db, conn)` handles on the migration's own session for `db_path`, or None when
        another process holds the database (the migration is then deferred, whatever it
        returns). `close()` on either handle is harmless: the framework owns the session.

        Code written this way expects each statement to stand alone (a failed one leaves
        the others done), so the session runs in snapshot mode: the database files are
        copied before its first write, and put back if the migration fails, is interrupted
        or is rolled back.
        """
        try:
            return self.access.database(self.files.on_disk(db_path), "snapshot").connection()
        except MigrationDeferred:
            return None

    @staticmethod
    def _is_lock_error(exc: Exception) -> bool:
        """Whether an engine error says another process holds the database's lock."""
        return "could not set lock" in str(exc).lower()


class SchemaMigration(DatabaseWork):
    """Adds tables and columns to the database (never drops: see the docs on HNSW)."""

    migration_type = MigrationType.SCHEMA


class DataMigration(DatabaseWork):
    """Transforms stored rows, in batches, with progress for people."""

    migration_type = MigrationType.DATA
    batch_size: ClassVar[int] = 5_000

    def iter_batches(
        self,
        cypher: str,
        parameters: dict[str, Any] | None = None,
        *,
        key: str = "id",
        label: str | None = None,
        total: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Stream a query's rows a batch at a time (memory stays flat in table size).

        The query pages by key: it must filter on `<key> > $after`, order by the key and end
        with `LIMIT $limit`; each batch's rows are returned as dicts. Write a batch back with
        `UNWIND $rows AS r WITH r, r.id AS id MATCH (m:Memory) WHERE m.id = id SET ...`:
        Kuzu 0.11 plans `MATCH (m:Memory {id: r.id})` after an UNWIND as a scan per row.
        """
        progress = self.access.progress(label or self.name, total)
        after: Any = ""
        try:
            while True:
                batch = self.query(
                    cypher, {**(parameters or {}), "after": after, "limit": self.batch_size}
                )
                if not batch:
                    return
                yield batch
                progress.advance(len(batch))
                after = batch[-1][key]
        finally:
            progress.close()
