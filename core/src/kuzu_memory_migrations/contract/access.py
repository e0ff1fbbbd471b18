"""What a migration may use of its run: files, the database, progress.

The engine implements these interfaces and hands them to each migration when the runner
binds it (`Migration.bind`). A migration object used on its own, outside any run (as
tests and scripts do), gets a standalone implementation with the same path guard, wired
in by the package's public modules (`kuzu_memory_migrations`, `kuzu_memory_migrations.base`).
Packs program against these interfaces, never against the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .errors import MigrationsError

if TYPE_CHECKING:
    from .context import RunContext
    from .migration import Migration

DatabaseMode = Literal["transaction", "snapshot"]
"""How database work is made undoable: one engine transaction, or a copy of the files."""


@dataclass(frozen=True)
class MovedDatabase:
    """What moving a database to the other engine did (or, in a dry run, would do)."""

    path: Path
    source_engine: str
    engine: str
    tables: dict[str, int]
    """Rows of each table, edges included (the same on both sides once verified)."""
    size: int
    """Bytes of the old file."""
    new_size: int | None = None
    index_statements: list[str] = field(default_factory=list)
    """The old database's vector indexes, as the statements that create them."""
    index_error: str | None = None
    """Why they were not built in the new database (None: built, or there were none)."""
    seconds: dict[str, float] = field(default_factory=dict)
    preview: bool = False

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


class Progress(Protocol):
    """Progress of long work: rows done, rate, time left on a terminal; silent elsewhere."""

    def advance(self, amount: int = 1) -> None: ...

    def close(self) -> None: ...


class FileAccess(Protocol):
    """Guarded file changes: journaled in a run, shown (never made) in a dry run.

    Every path is read against the project root, never the current directory, and
    checked by the path guard both as written and after resolving links.
    """

    @property
    def project_root(self) -> Path: ...

    @property
    def dry_run(self) -> bool:
        """True in a dry run and in plans: changes are shown, never made."""
        ...

    def absolute(self, path: Path | str) -> Path: ...

    def shown(self, path: Path | str) -> str:
        """How reports name a path: relative to the project root where it is inside it."""
        ...

    def exists(self, path: Path | str) -> bool:
        """Whether something is there (a dry run's own changes included)."""
        ...

    def read_bytes(self, path: Path | str) -> bytes: ...

    def on_disk(self, path: Path | str) -> Path:
        """Where the bytes of `path` are on disk now (a dry run's moves happen in memory)."""
        ...

    def write_bytes(self, path: Path | str, data: bytes) -> None: ...

    def mkdir(self, path: Path | str) -> None: ...

    def remove(self, path: Path | str) -> bool:
        """Delete a file or folder tree; False when nothing was there."""
        ...

    def move(self, src: Path | str, dst: Path | str) -> bool:
        """Move a file or folder (an existing destination is replaced); False without `src`."""
        ...

    def backup(self, path: Path | str) -> Path | None:
        """Keep the current bytes: in a run the journal keeps them (None is returned), outside
        a run a `.bak` file beside the original does (its path is returned)."""
        ...

    def plan(self, action: str, path: Path, detail: str = "") -> None:
        """In a dry run, show a change that has no file diff (a Cypher statement, say)."""
        ...


class DatabaseAccess(Protocol):
    """One database of the project, as the migration being applied may use it.

    Reads run on a read-only connection until the first write; the first write opens
    the database for writing (a transaction, or a copy of its files first, as the
    migration's mode says). In a dry run writes are shown, not run. A database held open
    by another process raises `MigrationDeferred`.
    """

    @property
    def path(self) -> Path: ...

    def query(self, cypher: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a read query, as dicts."""
        ...

    def execute(self, cypher: str, parameters: dict[str, Any] | None = None) -> None:
        """Run a statement that changes the database."""
        ...

    def stream(
        self, cypher: str, parameters: dict[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        """A read query's rows as dicts, `size` at a time, from one result.

        The engine computes the whole result when the query runs and holds it (in its
        buffer pool) until the last batch is read; statements may run in between, and do
        not change the rows still to come. When the migration is being applied, the
        database is opened for writing before the query runs.
        """
        ...

    def tables(self) -> list[str]: ...

    def columns(self, table: str) -> list[str]: ...

    def connection(self) -> tuple[Any, Any] | None:
        """`(database, connection)` handles shaped like the engine's own, for code written
        for kuzu-memory's old built-in system; None when the database is held elsewhere."""
        ...

    def release(self) -> None:
        """Close the database now, before moving or copying its file (only reads so far:
        writes stay open until the migration commits)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group statements into one transaction. In a run, the migration's own already does
        (the block changes nothing); used outside any run (a pack's own command), the block
        commits when it ends and rolls back if it raises."""
        ...

    @property
    def engine(self) -> str:
        """`kuzu` or `ladybug`: what the file is (its header), or the project's config says
        for a file not made yet. Imports no engine."""
        ...

    def extension_error(self, name: str) -> str | None:
        """Why the engine cannot load the extension `name` (`VECTOR`, say); None if it can."""
        ...

    def move_to(self, engine: str) -> MovedDatabase:
        """Move the database to the other engine, in its place, within the migration.

        Exported read-only, imported into a new file beside it, verified table by table
        (rows, edges, columns and defaults), then put in the old file's place with one
        rename; the old file is kept in the journal, so a failure, a crash or `rollback`
        gives it back byte for byte. Vector indexes are built when the engine can load its
        VECTOR extension (`index_error` says why not). The database must not be written by
        this migration first; other processes cannot write it while the move runs. In a
        dry run: what it would move, nothing written.
        """
        ...


class MigrationAccess(Protocol):
    """Everything one migration may use of the run it is part of."""

    @property
    def context(self) -> RunContext: ...

    @property
    def files(self) -> FileAccess: ...

    def database(self, path: Path, mode: DatabaseMode) -> DatabaseAccess: ...

    def progress(self, label: str, total: int | None) -> Progress: ...


StandaloneFactory = Callable[["Migration"], MigrationAccess]
_standalone: list[StandaloneFactory] = []


def provide_standalone(factory: StandaloneFactory) -> None:
    """Install what a migration used outside any run gets (the engine's guarded helpers)."""
    _standalone[:] = [factory]


def standalone_access(migration: Migration) -> MigrationAccess:
    if not _standalone:
        raise MigrationsError(
            f"{migration.name or type(migration).__name__}: used outside a run before "
            "kuzu_memory_migrations was imported; import the base classes from "
            "kuzu_memory_migrations (or kuzu_memory_migrations.base)"
        )
    return _standalone[0](migration)
