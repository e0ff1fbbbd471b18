"""The seven typed bases, and the two kinds of helpers they are made of.

A typed base sets `migration_type` and knows where its kind of artifact lives. The helper
mixins (`ConfigFiles`, `DatabaseWork`) set no type, so a migration can combine them with
any base and keep that base's type: `class Move(ConfigFiles, StructureMigration)` is a
structure migration that also edits a config file.
"""

from __future__ import annotations

import io
import os
from bisect import bisect_left
from collections.abc import Iterator, MutableMapping
from contextlib import AbstractContextManager
from operator import itemgetter
from pathlib import Path
from types import NoneType
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


OFFSET = "_offset"
"""The key under which `iter_nodes` gives each row its node's place, for `update_nodes`."""

_NO_LIMIT = 2**62


def _name(identifier: str) -> str:
    """A table or property name, quoted for Cypher."""
    if not identifier or "`" in identifier:
        raise ValueError(f"not a table or property name: {identifier!r}")
    return f"`{identifier}`"


class DataMigration(DatabaseWork):
    """Transforms stored rows, in batches, with progress for people.

    Read one node table with `iter_nodes` (memory and speed per row flat in the table's
    size) or any read query with `iter_batches`; write rows back with `update_nodes`. All
    of it is the migration's one transaction (or, in snapshot mode, statements that each
    stand alone after a copy of the database).
    """

    migration_type = MigrationType.DATA
    batch_size: ClassVar[int] = 5_000
    """Rows per batch given to the migration, and at most twice as many per statement
    `update_nodes` runs."""
    page_size: ClassVar[int] = 100_000
    """Rows per query of `iter_nodes`, and of a key-paged `iter_batches`: what the engine
    holds of a read at a time."""
    max_scans: ClassVar[int] = 16
    """Past this many pages, pages grow instead (the engine has no index to seek a page
    with: each page's query scans the table)."""

    def iter_batches(
        self,
        cypher: str,
        parameters: dict[str, Any] | None = None,
        *,
        key: str = "id",
        label: str | None = None,
        total: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """A read query's rows as dicts, `batch_size` at a time, with progress.

        Any read query works: the engine runs it once and holds its whole result (the
        columns it returns, of every row) until the last batch is read, and statements
        run in the loop do not change the rows still to come. For one node table,
        `iter_nodes` holds one page at a time instead. Return `offset(id(m)) AS _offset`
        to write rows back with `update_nodes`.

        A query paged by key (`WHERE m.<key> > $after ... ORDER BY m.<key> LIMIT $limit`,
        as this method once required) runs once per `page_size` rows, each page read a
        batch at a time, until a page comes back empty; `key` names the column the next
        page starts after.
        """
        database = self.database()
        progress = self.access.progress(label or self.name, total)
        try:
            if "$after" in cypher and "$limit" in cypher:
                pages = self._key_pages(database, cypher, dict(parameters or {}), key)
            else:
                arguments = dict(parameters or {})
                if "$after" in cypher:
                    arguments.setdefault("after", "")
                if "$limit" in cypher:
                    arguments["limit"] = _NO_LIMIT
                pages = database.stream(cypher, arguments, self.batch_size)
            for batch in pages:
                yield batch
                progress.advance(len(batch))
        finally:
            progress.close()

    def _key_pages(
        self, database: DatabaseAccess, cypher: str, arguments: dict[str, Any], key: str
    ) -> Iterator[list[dict[str, Any]]]:
        after: Any = ""
        limit = max(self.batch_size, self.page_size)
        pages = 0
        while True:
            last: dict[str, Any] | None = None
            page = {**arguments, "after": after, "limit": limit}
            for batch in database.stream(cypher, page, self.batch_size):
                if batch:
                    last = batch[-1]
                    yield batch
            if last is None:
                return
            after = last[key]
            pages += 1
            if pages >= self.max_scans:
                limit *= 2

    def iter_nodes(
        self,
        table: str,
        properties: list[str],
        *,
        where: str | None = None,
        parameters: dict[str, Any] | None = None,
        label: str | None = None,
        total: int | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Nodes of `table` as dicts of `properties` plus `_offset`, `batch_size` at a time.

        `where` is a condition on `m` (`"m.content_hash IS NULL"`), with `parameters`.
        Memory and speed per row stay flat in the table's size: the nodes are read in
        pages of `page_size` storage offsets (`offset(id(m))`, stable within the
        migration), each page one query whose rows are converted a batch at a time; past
        `page_size * max_scans` nodes, pages grow instead, since the engine has no index
        to seek a page with and each page scans the properties it reads. The progress
        bar's total is the count of matching nodes unless `total` is given; when none
        match, nothing is opened for writing.

        The pages span the nodes that match when the loop starts; each page reads its
        rows (and checks `where`) when it starts, so a node an earlier batch changed is
        read as changed, or not at all if it no longer matches. Nodes created in the loop
        are not visited.
        """
        node = _name(table)
        condition = f" WHERE ({where})" if where else ""
        database = self.database()
        found = database.query(
            f"MATCH (m:{node}){condition} RETURN min(offset(id(m))) AS low, "
            "max(offset(id(m))) AS high, count(m) AS n",
            parameters,
        )
        if not found or not found[0]["n"]:
            return
        low, high = int(found[0]["low"]), int(found[0]["high"])
        span = high - low + 1
        page = max(self.batch_size, self.page_size, -(-span // max(1, self.max_scans)))
        columns = "".join(f", m.{_name(name)} AS {_name(name)}" for name in properties)
        query = (
            f"MATCH (m:{node}) WHERE offset(id(m)) >= $_lo AND offset(id(m)) < $_hi"
            f"{f' AND ({where})' if where else ''} RETURN offset(id(m)) AS {OFFSET}{columns}"
        )
        counted = total if total is not None else int(found[0]["n"])
        progress = self.access.progress(label or self.name, counted)
        try:
            for start in range(low, high + 1, page):
                arguments = {**(parameters or {}), "_lo": start, "_hi": start + page}
                for batch in database.stream(query, arguments, self.batch_size):
                    yield batch
                    progress.advance(len(batch))
        finally:
            progress.close()

    def update_nodes(self, table: str, rows: list[dict[str, Any]], properties: list[str]) -> int:
        """Set `properties` of the nodes `rows` came from to the rows' values; how many.

        Each row names its node by `_offset` (as `iter_nodes` gives it, or a query
        returning `offset(id(m)) AS _offset` in this migration) and holds a value for each
        property (None: NULL). One statement per run of nearby offsets, each costing the
        same whatever the table's size (a write matched by key scans the table). The
        values of a property must share one Python type (ints and floats may mix); a
        property holding lists or structs cannot be set to NULL here (the engines make
        such a NULL an empty list, or crash): use `execute_cypher` for that. In a dry run
        the statements are shown, not run.
        """
        if not rows:
            return 0
        node = _name(table)
        database = self.database()
        unordered = list(map(int, map(itemgetter(OFFSET), rows)))
        order = sorted(range(len(rows)), key=unordered.__getitem__)
        ordered, offsets = [rows[i] for i in order], [unordered[i] for i in order]
        span = max(2 * self.batch_size, 1024)
        index = "offset(id(m)) - $_lo + 1"
        written = 0
        start = 0
        while start < len(ordered):
            low = offsets[start]
            end = bisect_left(offsets, low + span, lo=start)
            run, places = ordered[start:end], [offset - low for offset in offsets[start:end]]
            high = offsets[end - 1] + 1
            keep = [False] * (high - low)
            for place in places:
                keep[place] = True
            written += keep.count(True)
            arguments: dict[str, Any] = {"_lo": low, "_hi": high, "_keep": keep}
            assignments = []
            for number, prop in enumerate(properties):
                values = list(map(itemgetter(prop), run))
                present = _one_type(prop, values)
                if present is None:
                    assignments.append(f"m.{_name(prop)} = NULL")
                    continue
                column = [present] * (high - low)  # places not kept are never written
                for place, value in zip(places, values, strict=True):
                    column[place] = value
                arguments[f"_v{number}"] = column
                assignments.append(f"m.{_name(prop)} = $_v{number}[{index}]")
            database.execute(
                f"MATCH (m:{node}) WHERE offset(id(m)) >= $_lo AND offset(id(m)) < $_hi "
                f"AND $_keep[{index}] SET {', '.join(assignments)}",
                arguments,
            )
            start = end
        return written


def _one_type(prop: str, values: list[Any]) -> Any:
    """A value of `values` that is not None (None: all are), once they are known to be of
    one type an engine can take as a list parameter."""
    found = set(map(type, values))
    kinds = found - {NoneType}
    if not kinds:
        return None
    if len(kinds) > 1 and not kinds <= {int, float}:
        names = ", ".join(sorted(kind.__name__ for kind in kinds))
        raise ValueError(f"update_nodes: the values of {prop} mix types ({names})")
    present = next(value for value in values if value is not None)
    if isinstance(present, list | tuple | dict) and NoneType in found:
        raise ValueError(
            f"update_nodes: {prop} mixes NULL with lists or structs; set those NULLs with "
            "execute_cypher"
        )
    return present
