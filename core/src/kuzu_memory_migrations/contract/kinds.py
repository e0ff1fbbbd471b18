"""The seven typed bases: each knows where its kind of artifact lives and how to touch it."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from ..engine.layout import DATABASE
from .migration import ConfigFileError, Migration
from .results import MigrationType


class ConfigMigration(Migration):
    """Changes a config file in `.kuzu-memory/` (YAML or JSON, comments and order kept)."""

    migration_type = MigrationType.CONFIG
    config_file: ClassVar[str] = ""
    """Path of the config file, relative to the project root."""

    def get_config_path(self) -> Path:
        return self.path(self.config_file)

    def check_applicable(self) -> bool:
        return bool(self.config_file) and self.exists(self.get_config_path())

    def load_config(self, path: Path | str | None = None) -> MutableMapping[str, Any]:
        """The config as a mapping; YAML keeps its comments and key order through a save."""
        target = self.path(path) if path is not None else self.get_config_path()
        if target.suffix not in {".yaml", ".yml"}:
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
            raise ConfigFileError(f"{target}: invalid YAML: {error}") from error
        if data is None:
            return {}
        if not isinstance(data, MutableMapping):
            raise ConfigFileError(f"{target}: expected a mapping, found {type(data).__name__}")
        return data

    def save_config(self, data: MutableMapping[str, Any], path: Path | str | None = None) -> None:
        target = self.path(path) if path is not None else self.get_config_path()
        if target.suffix not in {".yaml", ".yml"}:
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


class _DatabaseWork(Migration):
    """Database access shared by schema and data migrations.

    Statements run in one Kuzu transaction per migration, committed only when it succeeds.
    With `database_mode = "snapshot"` the database files are copied first instead, for work
    Kuzu cannot do in a transaction.
    """

    database_mode: ClassVar[Literal["transaction", "snapshot"]] = "transaction"
    database_file: ClassVar[str] = DATABASE

    def database_path(self) -> Path:
        return self.path(self.database_file)

    def check_applicable(self) -> bool:
        return self.exists(self.database_path())

    def _session(self) -> Any:
        if self.context.dry_run:  # read the database where it is now, even if "moved"
            return self.context.database(self.files.on_disk(self.database_path()))
        session = self.context.database(self.database_path())
        if self.database_mode == "transaction":
            if not session.in_transaction:
                self.files.record_database(self.database_path(), "transaction")
                session.begin()
        elif not session.is_open:
            session.open()  # hold Kuzu's file lock first: nobody else writes while we copy
            self.files.record_database(self.database_path(), "snapshot")
            for suffix in ("", ".wal"):
                self.files.snapshot(str(self.database_path()) + suffix)
        return session

    def query(self, cypher: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a read query (also run in a dry run, on a read-only connection)."""
        rows: list[dict[str, Any]] = self._session().execute(cypher, parameters)
        return rows

    def execute_cypher(self, query: str, parameters: dict[str, Any] | None = None) -> bool:
        """Run a statement that changes the database; a dry run only records it."""
        if self.context.dry_run:
            from ..engine.files import PlannedChange

            self.files.planned.append(PlannedChange("cypher", self.database_path(), query.strip()))
            return True
        self._session().execute(query, parameters)
        return True

    def table_columns(self, table: str) -> list[str]:
        return [str(name) for name in self._session().columns(table)]

    def tables(self) -> list[str]:
        return [str(name) for name in self._session().tables()]


class SchemaMigration(_DatabaseWork):
    """Adds tables and columns to the Kuzu database (never drops: see the docs on HNSW)."""

    migration_type = MigrationType.SCHEMA


class DataMigration(_DatabaseWork):
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
        progress = self.context.progress(label or self.name, total)
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
