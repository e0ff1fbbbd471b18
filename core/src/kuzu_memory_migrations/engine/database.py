"""All access to a project's graph database goes through this module.

Two engines read these databases: Kuzu 0.11 (what kuzu-memory 1.12 installs) and
LadybugDB, its maintained fork. They are imported here and nowhere else, lazily (the
start-up path never pays for either), and chosen per database by what the file is: its
first four bytes (`KUZU`, `LBUG`); only a missing or empty file goes by the project's
config (`database.engine`). The two cannot be loaded into one process (their native
modules register the same types; the second fails and the process crashes at exit), so a
session refuses to load a second engine (`EngineConflict`, a deferral: a process without
the other engine does the work); `conversion` runs work that needs both in children.

A `DatabaseSession` is one migration's use of one database:

- reads run on a read-only connection until the first write, so a run that writes
  nothing never opens `memories.db` for writing (the engine rewrites the file on a mere
  read-write open and close);
- the first write opens it for writing, holding the engine's file lock, and either
  begins a transaction or, in snapshot mode, lets the journal copy the files first;
- in a transaction, the commit also inserts the journal's id into the framework's own
  table `_kmm_applied`, so "applied" commits atomically with the change: after a crash,
  recovery reads that row to know whether the commit happened;
- both engines roll back a whole transaction when one statement in it fails (any error
  but a parser error), and run later statements outside any transaction. The session
  keeps the transaction's statements (up to `REPLAY_LIMIT` bytes of parameters) and
  replays them in a new one, so a failed statement has no effect but its own error;
  beyond the limit the transaction is lost and every later statement fails, so the
  migration fails and is undone;
- every database is opened with a bounded buffer pool (`buffer_pool_size`): a transaction
  lives in it until COMMIT, so it is also the largest change a migration can make, and a
  change that outgrows it fails with a hint naming `BUFFER_POOL_ENV`;
- a statement run with parameters is prepared once per connection and reused (the last
  `PREPARED_KEPT` kept): Kuzu 0.11 otherwise keeps every statement, with its parameters,
  until the connection closes;
- `stream` reads a query's rows a batch at a time from one result, while other
  statements run on the same connection.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import NoneType
from typing import Any, Literal

from ..contract.errors import DatabaseError
from .errors import DatabaseBusy, EngineConflict
from .settings import configured_engine

MARKER_TABLE = "_kmm_applied"
"""The framework's table in a migrated database: one row per migration committed in a
transaction (`journal`, `migration`, `committed_at`)."""
REPLAY_LIMIT = 64 * 1024 * 1024
"""Estimated bytes of statement parameters kept to replay a transaction a failed statement
rolled back; beyond it a failed statement loses the transaction."""
_LOCK_MESSAGE = "could not set lock"  # both engines: "IO exception: Could not set lock on file"
_NO_TRANSACTION = "no active transaction"
COMPANIONS = (".wal", ".shadow", ".checkpoint.apply.lock", ".checkpoint.intent.lock")
"""Files an engine keeps beside an open database (LadybugDB adds the last two while it
checkpoints); any of them while nobody holds the file means it was not closed cleanly."""
AUDIT_EVENT = "kuzu_memory_migrations.database.execute"
"""Raised (sys.audit) before every statement that may change a database: a durable step."""
BUFFER_POOL_ENV = "KUZU_MEMORY_MIGRATIONS_BUFFER_POOL_MIB"
"""Sets the engine's buffer pool for every database the framework opens, in MiB (0: the
engine's own default, 80% of physical memory)."""
PREPARED_KEPT = 16
"""Prepared statements kept per connection, the most recently prepared."""
_POOL_FULL = "buffer pool is full"  # both engines: "... The buffer pool is full and no ..."
_MIB = 2**20


@dataclass(frozen=True)
class Engine:
    """One of the engines that read kuzu-memory databases."""

    name: str
    """What the project's config and the reports call it."""
    module: str
    """Its Python package."""
    magic: bytes
    """The first bytes of every database file it writes."""
    label: str
    extra: str
    """The extra of this distribution that installs it."""

    def loaded(self) -> bool:
        """Whether its package is imported in this process (a shim of another engine under
        its name does not count)."""
        module = sys.modules.get(self.module)
        return module is not None and getattr(module, "__name__", "") == self.module


KUZU = Engine("kuzu", "kuzu", b"KUZU", "Kuzu", "kuzu")
LADYBUG = Engine("ladybug", "ladybug", b"LBUG", "LadybugDB", "ladybug")
ENGINES = {engine.name: engine for engine in (KUZU, LADYBUG)}
DEFAULT_ENGINE = KUZU
"""For a new database whose project says nothing: what kuzu-memory 1.12 reads."""


def engine_named(name: str, where: str = "") -> Engine:
    if name not in ENGINES:
        known = ", ".join(ENGINES)
        raise DatabaseError(f"{where or 'engine'}: unknown database engine {name!r} ({known})")
    return ENGINES[name]


def file_engine(path: Path) -> Engine | None:
    """The engine that wrote `path`, from its first four bytes; None for a missing or
    empty file (a new database to every engine). Imports no engine."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise DatabaseError(f"cannot read {path}: {error}") from error
    if not head:
        return None
    for engine in ENGINES.values():
        if head == engine.magic:
            return engine
    raise DatabaseError(f"{path}: neither a Kuzu nor a LadybugDB database (it starts {head!r})")


def resolve_engine(path: Path, configured: str | None = None) -> Engine:
    """The file decides; the project's config only for a new file, then the default.

    A config naming another engine than the file is not an error: it is what makes a
    move between engines pending.
    """
    found = file_engine(path)
    if found is not None:
        return found
    return engine_named(configured, str(path)) if configured else DEFAULT_ENGINE


def load(engine: Engine) -> Any:
    """The engine's package, imported; refused while another engine is loaded here."""
    others = [other.label for other in ENGINES.values() if other is not engine and other.loaded()]
    if others:
        raise EngineConflict(
            f"{engine.label} cannot be loaded in this process: {', '.join(others)} is loaded "
            "here, and the two cannot share a process; a process without it does this"
        )
    try:
        return importlib.import_module(engine.module)
    except ImportError as error:
        raise DatabaseError(
            f"{engine.label} is not installed here ({error}): "
            f"pip install 'kuzu-memory-migrations[{engine.extra}]'"
        ) from error


def can_load(engine: Engine) -> bool:
    """Whether `load(engine)` would not be refused for the other engine (cheap)."""
    return not any(other.loaded() for other in ENGINES.values() if other is not engine)


def leftovers(path: Path) -> list[Path]:
    """Companion files beside `path` (see `COMPANIONS`)."""
    return [
        companion
        for suffix in COMPANIONS
        if (companion := path.with_name(path.name + suffix)).exists()
    ]


class FileHold:
    """A shared lock on a database file that no engine's writer can take beside, held on
    one descriptor: no other process can open it for writing while it is held; readers
    can. POSIX locks belong to the process and any close of the file drops them, so the
    holder reads the file through `read()` only, never by opening it again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as error:
            os.close(self.fd)
            raise DatabaseBusy(
                f"database {path} is held open for writing by another process (is "
                "kuzu-memory's MCP server running?); will retry later"
            ) from error

    def read(self, size: int, offset: int = 0) -> bytes:
        return os.pread(self.fd, size, offset)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


Phase = Literal["read", "write", "preview"]
"""What the session may do: read only (checks), write (a migration applied), or only show
writes (a dry run)."""


def _estimate(value: Any) -> int:
    """A cheap upper-bound guess of a parameter's size in memory."""
    if isinstance(value, str | bytes):
        return 64 + len(value)
    if isinstance(value, dict):
        return 64 + sum(_estimate(k) + _estimate(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        kinds = set(map(type, value))
        if kinds <= _SCALARS:  # the common column of plain values, counted without a loop
            return 64 + 32 * len(value)
        if kinds <= _TEXTS:
            return 64 + 64 * len(value) + sum(map(len, value))
        return 64 + sum(map(_estimate, value))
    return 32


_SCALARS = frozenset({bool, int, float, NoneType})
_TEXTS = frozenset({str, bytes})


def buffer_pool_size() -> int:
    """Bytes of buffer pool for a database the framework opens: a quarter of physical
    memory, at least 512 MiB, at most 4 GiB; `BUFFER_POOL_ENV` sets it in MiB (0: the
    engine's own default).

    Both engines take 80% of physical memory by default. Everything a transaction changes
    stays in the pool until COMMIT (Kuzu 0.11.3: 330 to 390 bytes per updated short
    string), so the pool is also the largest transaction a migration can make; one that
    outgrows it fails cleanly, rolled back, where an unbounded one would take the
    machine's memory first.
    """
    configured = os.environ.get(BUFFER_POOL_ENV, "").strip()
    if configured:
        try:
            mib = int(configured)
        except ValueError:
            raise DatabaseError(
                f"{BUFFER_POOL_ENV}={configured!r}: expected a whole number of MiB"
            ) from None
        if mib < 0:
            raise DatabaseError(f"{BUFFER_POOL_ENV}={configured!r}: expected 0 or more MiB")
        return mib * _MIB
    try:
        physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 1024 * _MIB
    return min(max(physical // 4, 512 * _MIB), 4096 * _MIB)


def _shape(value: Any) -> Any:
    """What an engine infers a parameter's type from, cheaply (a list by its first value):
    a prepared statement is reused only for parameters of the same shape, as LadybugDB's
    own cache does."""
    if isinstance(value, dict):
        return tuple((key, _shape(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return ("list", _shape(next((item for item in value if item is not None), None)))
    return type(value).__name__


def _rows(result: Any) -> list[dict[str, Any]]:
    """Every row of every result (several statements give several), then the results closed.

    All are read before any is closed: Kuzu 0.11 frees the whole chain of results with the
    first `close()`, and reading the next one then crashes the process.
    """
    results = result if isinstance(result, list) else [result]
    rows: list[dict[str, Any]] = []
    for item in results:
        names = item.get_column_names()
        while item.has_next():
            rows.append(dict(zip(names, item.get_next(), strict=True)))
    for item in results:
        item.close()
    return rows


class _Open:
    """One open database and its connection, with the statements prepared on it.

    Kuzu 0.11.3's `Connection.execute(text, parameters)` prepares the text again on each
    call and keeps every statement it prepared, with its parameters, until the connection
    closes (about 1 KB per `UNWIND $rows` dict: 1 GB over a million rows); a prepared
    statement run again keeps only its last parameters, and is not planned again. So
    statements with parameters are prepared here, once per text and shape of parameters,
    the last `PREPARED_KEPT` kept. LadybugDB's connection caches them itself, per text and
    parameter types, and without bound (170 statements of 5,000 strings each, measured,
    filled a 256 MiB pool): its cache is kept to the same bound instead, oldest first.
    """

    def __init__(self, path: Path, engine: Engine, *, read_only: bool) -> None:
        if not path.exists():
            raise DatabaseError(f"no database at {path}")
        module = load(engine)
        self.module = module
        self.engine = engine
        try:
            self.database = module.Database(
                str(path), read_only=read_only, buffer_pool_size=buffer_pool_size()
            )
        except RuntimeError as error:
            if _LOCK_MESSAGE in str(error).lower():
                holder = str(error).split("(Lock is held by ", 1)[1:]  # LadybugDB names it
                by = f" ({holder[0].split(')', 1)[0]})" if holder else ""
                raise DatabaseBusy(
                    f"database {path} is held open by another process{by} "
                    "(is kuzu-memory's MCP server running?); will retry later"
                ) from error
            raise DatabaseError(f"cannot open {engine.label} database {path}: {error}") from error
        self.connection = module.Connection(self.database)
        self._prepared: OrderedDict[tuple[str, Any], Any] = OrderedDict()
        self.streams: list[list[Any]] = []
        """Results being read by `DatabaseSession.stream`: closed before the connection."""

    def run(self, query: str, parameters: dict[str, Any] | None) -> Any:
        if not parameters:
            return self.connection.execute(query)
        if self.engine is not KUZU:
            try:
                return self.connection.execute(query, parameters)
            finally:
                self._trim_engine_cache()
        return self.connection.execute(self._prepare(query, parameters), parameters)

    def _prepare(self, query: str, parameters: dict[str, Any]) -> Any:
        """The statement prepared for `query` and parameters of this shape (Kuzu)."""
        key = (query, _shape(parameters))
        statement = self._prepared.pop(key, None)
        if statement is None:
            # As `execute(text, parameters)` prepares it: the parameters give their types.
            statement = self.module.PreparedStatement(self.connection, query, parameters)
            if not statement.is_success():
                raise RuntimeError(statement.get_error_message())
        self._prepared[key] = statement
        while len(self._prepared) > PREPARED_KEPT:
            self._prepared.popitem(last=False)
        return statement

    def _trim_engine_cache(self) -> None:
        """LadybugDB's own cache of prepared statements, kept to `PREPARED_KEPT`."""
        cache = getattr(self.connection, "_pybind_implicit_prepared_cache", None)
        if not isinstance(cache, dict) or len(cache) <= PREPARED_KEPT:
            return
        with getattr(self.connection, "_prepared_cache_lock", None) or nullcontext():
            while len(cache) > PREPARED_KEPT:
                statement = cache.pop(next(iter(cache)))
                close = getattr(statement, "close", None)
                if callable(close):
                    close()

    def prepared(self) -> int:
        """How many prepared statements this connection keeps."""
        cache = getattr(self.connection, "_pybind_implicit_prepared_cache", None)
        return len(self._prepared) + (len(cache) if isinstance(cache, dict) else 0)

    def close(self) -> None:
        for results in self.streams:
            for item in results:
                item.close()
        self.streams.clear()
        self._prepared.clear()
        self.connection.close()
        self.database.close()


@dataclass
class DatabaseSession:
    """One migration's use of one database (see the module's docstring)."""

    path: Path
    phase: Phase = "read"
    mode: Literal["transaction", "snapshot", "autocommit"] = "transaction"
    """`autocommit` is for migrations used outside any run: each statement stands alone."""
    before_write: Callable[[DatabaseSession], None] = lambda session: None
    """Called once, with the database open for writing and nothing written yet: the
    journal notes the work (and copies the files, in snapshot mode)."""
    plan: Callable[[str], None] = lambda statement: None
    """Called in a dry run with each statement that would change the database."""
    busy: bool = False
    """The database was held by another process: the migration is deferred, whatever it did."""
    held: bool = False
    """Inside `transaction()`: kept open between statements of a one-shot session."""
    project_root: Path | None = None
    """Whose config names the engine of a missing or empty file (read only then)."""
    known_engine: Engine | None = None
    """The engine, when the caller knows it already (a step of a move, in its child)."""
    _hold: FileHold | None = None
    _reader: _Open | None = None
    _writer: _Open | None = None
    _in_transaction: bool = False
    _replay: list[tuple[str, dict[str, Any] | None]] = field(default_factory=list)
    _replay_size: int = 0
    _lost: str | None = None

    @property
    def wrote(self) -> bool:
        return self._writer is not None

    @property
    def streaming(self) -> bool:
        """Rows of a query are being read (`stream`) on one of the open connections."""
        return any(opened.streams for opened in (self._reader, self._writer) if opened)

    @property
    def engine(self) -> Engine:
        """The engine of this database, decided once, at first use (see `resolve_engine`)."""
        if self.known_engine is None:
            found = file_engine(self.path)
            if found is None and self.project_root is not None:
                found = resolve_engine(self.path, configured_engine(self.project_root))
            self.known_engine = found or DEFAULT_ENGINE
        return self.known_engine

    # -- opening -----------------------------------------------------------------------

    def _open(self, *, read_only: bool) -> _Open:
        if self._hold is not None:
            raise DatabaseError(
                f"{self.path}: held for a move between engines; it is read by other processes only"
            )
        try:
            return _Open(self.path, self.engine, read_only=read_only)
        except DatabaseBusy:
            self.busy = True
            raise
        except EngineConflict as error:
            raise EngineConflict(f"{self.path}: {error}") from error

    def hold(self) -> FileHold:
        """Keep other processes from writing the database until the session closes.

        For work done on the file by other processes (a move between engines): this
        session opens it no more, since closing the engine's own descriptor would drop
        the lock. Only before any write of this session.
        """
        if self._writer is not None:
            raise DatabaseError(f"{self.path}: written to in this session; cannot hold it")
        if self._hold is None:
            self.close()
            self.engine  # noqa: B018  (read the header now: a later open would drop the lock)
            try:
                self._hold = FileHold(self.path)
            except DatabaseBusy:
                self.busy = True
                raise
        return self._hold

    def _for_reading(self) -> _Open:
        if self._writer is not None:
            return self._writer
        if self._reader is None:
            self._reader = self._open(read_only=True)
        return self._reader

    def _for_writing(self) -> _Open:
        if self.phase != "write":
            raise DatabaseError(f"{self.path}: opened for reading only")
        if self._writer is None:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            self._writer = self._open(read_only=False)
            self.before_write(self)
            if self.mode == "transaction":
                self._statement(self._writer, "BEGIN TRANSACTION", None)
                self._in_transaction = True
        return self._writer

    # -- running -----------------------------------------------------------------------

    def _statement(self, connection: _Open, query: str, parameters: dict[str, Any] | None) -> Any:
        sys.audit(AUDIT_EVENT, str(self.path), query)
        try:
            return connection.run(query, parameters)
        except RuntimeError as error:
            hint = ""
            if _POOL_FULL in str(error).lower():
                size = buffer_pool_size()
                pool = f"{size // _MIB:,} MiB" if size else "the engine's default"
                hint = (
                    f"\n  the buffer pool ({pool}) holds every change until it commits: "
                    f"set {BUFFER_POOL_ENV} (MiB) higher, or change fewer rows per migration"
                )
            raise DatabaseError(f"{self.path}: {error}{hint}\n  in: {query.strip()}") from error

    def query(self, cypher: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a read query, as dicts (inside the transaction once one is open)."""
        if self._writer is not None:
            return _rows(self._written(cypher, parameters))
        return _rows(self._statement(self._for_reading(), cypher, parameters))

    def execute(self, cypher: str, parameters: dict[str, Any] | None = None) -> None:
        """Run a statement that changes the database (in a dry run: show it)."""
        if self.phase == "preview":
            self.plan(cypher.strip())
            return
        _rows(self._written(cypher, parameters))

    def stream(
        self, cypher: str, parameters: dict[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        """A read query's rows as dicts, `size` at a time, from one result.

        The engine computes the whole result when the query runs and keeps it (in its
        buffer pool) until it is closed; only the conversion to Python is incremental.
        Other statements may run between batches, on the same connection and in the same
        transaction; the rows still to come are as they were when the query ran. When the
        migration is being applied the database is opened for writing first: opening it
        later would close the read-only connection the rows come from.
        """
        opened = self._for_writing() if self.phase == "write" else self._for_reading()
        if opened is self._writer:
            result = self._written(cypher, parameters)
        else:
            result = self._statement(opened, cypher, parameters)
        results = result if isinstance(result, list) else [result]
        opened.streams.append(results)
        try:
            last = results[-1]
            names = last.get_column_names()
            while last.has_next():
                # strict=False: the engine's rows are as wide as its columns, and checking
                # it costs more than making the dict
                yield [dict(zip(names, row, strict=False)) for row in last.get_n(size)]
                if opened is not self._writer and opened is not self._reader:
                    raise DatabaseError(
                        f"{self.path}: the database was reopened (a failed statement "
                        f"restarted the transaction) while rows of `{cypher.strip()}` were "
                        "being read; they cannot be read on"
                    )
        finally:
            if any(kept is results for kept in opened.streams):  # else closed already
                opened.streams.remove(results)
                for item in results:
                    item.close()

    def prepared(self) -> int:
        """Prepared statements the session's open connections keep (bounded)."""
        return sum(opened.prepared() for opened in (self._reader, self._writer) if opened)

    def raw(self, cypher: str, parameters: dict[str, Any] | None = None) -> Any:
        """The engine's own result object, for code written against the engine directly.

        Runs on the writable session when the migration is being applied (the statement may
        write); on the read-only one in checks and dry runs.
        """
        if self.phase == "write":
            return self._written(cypher, parameters)
        return self._statement(self._for_reading(), cypher, parameters)

    def _written(self, cypher: str, parameters: dict[str, Any] | None) -> Any:
        writer = self._for_writing()
        if self._lost is not None:
            raise DatabaseError(self._lost)
        try:
            result = self._statement(writer, cypher, parameters)
        except DatabaseError:
            if self._in_transaction:
                self._recover_transaction(writer, cypher)
            raise
        if self._in_transaction:
            self._keep_for_replay(cypher, parameters)
        return result

    def _keep_for_replay(self, cypher: str, parameters: dict[str, Any] | None) -> None:
        if self._replay_size > REPLAY_LIMIT:
            return
        self._replay_size += _estimate(cypher) + _estimate(parameters or {})
        if self._replay_size > REPLAY_LIMIT:
            self._replay.clear()
        else:
            self._replay.append((cypher, parameters))

    def _recover_transaction(self, writer: _Open, failed: str) -> None:
        """The engine rolled the transaction back: start it again with what it held.

        On a database reopened first: after a rolled-back `ALTER TABLE ... ADD`, Kuzu 0.11
        gives a later `ADD ... DEFAULT v` on the same database object NULL in existing rows.
        """
        self._in_transaction = False
        if self._replay_size > REPLAY_LIMIT:
            self._lost = (
                f"{self.path}: the transaction was rolled back by the failure of "
                f"`{failed.strip()}` and held too much to replay; nothing was changed"
            )
            return
        try:
            writer.close()
            self._writer = writer = self._open(read_only=False)
            self._statement(writer, "BEGIN TRANSACTION", None)
            self._in_transaction = True
            for statement, parameters in self._replay:
                _rows(self._statement(writer, statement, parameters))
        except (DatabaseError, DatabaseBusy) as error:
            self._lost = (
                f"{self.path}: the transaction was rolled back by the failure of "
                f"`{failed.strip()}`, and replaying it failed: {error}"
            )

    def tables(self) -> list[str]:
        return [row["name"] for row in self.query("CALL show_tables() RETURN *")]

    def columns(self, table: str) -> list[str]:
        if table not in self.tables():
            return []
        return [row["name"] for row in self.query(f"CALL table_info('{table}') RETURN *")]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction of an `autocommit` session (a migration used outside any run):
        committed when the block ends, rolled back (and the database closed) otherwise."""
        if self.mode != "autocommit" or self.held:
            yield
            return
        self.held = True
        try:
            writer = self._for_writing()
            self._statement(writer, "BEGIN TRANSACTION", None)
            self._in_transaction = True
            yield
            if self._lost is not None:
                raise DatabaseError(self._lost)
            if self._in_transaction:
                self._statement(writer, "COMMIT", None)
                self._in_transaction = False
        finally:
            self.held = False
            self._replay.clear()
            self._replay_size = 0
            self.close()

    # -- ending ------------------------------------------------------------------------

    def commit(self, journal: str, migration: str) -> None:
        """Commit the transaction together with the row saying this journal was applied."""
        if self._lost is not None:
            raise DatabaseError(self._lost)
        if not self._in_transaction or self._writer is None:
            return
        for statement, parameters in marker_statements(journal, migration):
            self._statement(self._writer, statement, parameters)
        self._statement(self._writer, "COMMIT", None)
        self._in_transaction = False

    def close(self) -> None:
        """Roll back anything uncommitted and release the file lock."""
        try:
            if self._in_transaction and self._writer is not None:
                self._in_transaction = False
                try:
                    self._statement(self._writer, "ROLLBACK", None)
                except DatabaseError as error:
                    if _NO_TRANSACTION not in str(error).lower():
                        raise
        finally:
            for opened in (self._reader, self._writer):
                if opened is not None:
                    opened.close()
            self._reader = self._writer = None
            if self._hold is not None:
                self._hold.release()
                self._hold = None


def marker_statements(journal: str, migration: str) -> list[tuple[str, dict[str, Any] | None]]:
    return [
        (
            f"CREATE NODE TABLE IF NOT EXISTS {MARKER_TABLE} "
            "(journal STRING PRIMARY KEY, migration STRING, committed_at TIMESTAMP)",
            None,
        ),
        (
            f"CREATE (:{MARKER_TABLE} {{journal: $journal, migration: $migration, "
            "committed_at: current_timestamp()})",
            {"journal": journal, "migration": migration},
        ),
    ]


def committed(path: Path, journal: str) -> bool:
    """Whether the database holds the commit marker of `journal` (read-only; may defer)."""
    if not path.exists():
        return False
    session = DatabaseSession(path)
    try:
        if MARKER_TABLE not in session.tables():
            return False
        rows = session.query(
            f"MATCH (m:{MARKER_TABLE}) WHERE m.journal = $journal RETURN count(m) AS n",
            {"journal": journal},
        )
        return int(rows[0]["n"]) > 0
    finally:
        session.close()
