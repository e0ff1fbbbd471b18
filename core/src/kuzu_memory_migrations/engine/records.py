"""The framework's own records: `.kuzu-memory/migrations/records.sqlite`.

What ran, from which pack and version, how and how long; failures; versions migrated to;
accepted code references; what kuzu-memory's built-in system recorded itself. SQLite (the
standard library's) gives the two things this needs: each change is one atomic, durable
transaction (WAL, `synchronous=FULL`), and reading the newest history or the records of a
few migrations costs what is read, not the length of the history.

Kept in the framework's private folder, where kuzu-memory's own manager never writes: it
rewrites `migration_state.json` with its two keys only (see `legacy`), and these records
survive that. Every change is a typed event, applied in `Records.record`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .atomic import fsync_directory
from .errors import StateError

FORMAT = 2
"""Format 1 kept these records inside migration_state.json; it is imported once."""
AUDIT_EVENT = "kuzu_memory_migrations.records.commit"
"""Raised (sys.audit) just before each records transaction commits: a durable step."""
MAX_FAILED_ENTRIES = 200
"""Failed history entries kept; successful ones are always kept."""

How = Literal["run", "startup", "stamp", "rollback", "host", "direct"]
Outcome = Literal["applied", "stamped", "failed", "interrupted", "rolled_back", "host", "alias"]
"""What a history row records: `host` for kuzu-memory's built-in system's own entries,
`alias` for a built-in migration's name written because one of ours did its work."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    entry TEXT NOT NULL,
    success INTEGER NOT NULL,
    migration_type TEXT NOT NULL,
    outcome TEXT NOT NULL,
    journal TEXT,
    provenance TEXT
);
CREATE INDEX IF NOT EXISTS history_by_name ON history(name);
CREATE INDEX IF NOT EXISTS history_by_journal ON history(journal);
CREATE TABLE IF NOT EXISTS applied (
    name TEXT PRIMARY KEY,
    provenance TEXT NOT NULL,
    distribution TEXT,
    how TEXT NOT NULL,
    done_by TEXT,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS applied_by_distribution ON applied(distribution);
CREATE TABLE IF NOT EXISTS failures (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rolled_back (name TEXT PRIMARY KEY, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS migrated_versions (distribution TEXT PRIMARY KEY, version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reference_fingerprints (
    name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL
);
"""


def now_iso() -> str:
    return datetime.now().isoformat()


def new_run_id(prefix: str = "") -> str:
    """What names one run (or stamp, or rollback) in the records and its journals."""
    return f"{prefix}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"


class HistoryEntry(BaseModel):
    """One line of history, in the shape kuzu-memory's built-in system writes and reads."""

    model_config = ConfigDict(extra="allow")

    name: str
    version: str
    migration_type: str
    timestamp: str = Field(default_factory=now_iso)
    success: bool
    message: str
    changes: list[str] = Field(default_factory=list)


class Provenance(BaseModel):
    """Where an applied migration came from and how it ran."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    distribution: str | None = None
    """The pack that supplied it."""
    distribution_version: str | None = None
    fingerprint: str | None = None
    """Its class's code, comments and formatting aside (drift is judged on it)."""
    source_file: str | None = None
    how: How = "run"
    run_id: str = ""
    journal: str | None = None
    """Its journal, kept among the backups for `rollback`."""
    applied_at: str = Field(default_factory=now_iso)
    duration_ms: float | None = None
    not_undoable: list[str] = Field(default_factory=list)
    """What it did that no journal can undo (a subprocess), as `operation path at file:line`."""


class FailureRecord(BaseModel):
    """How the last attempts of a migration failed (it is not applied)."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    count: int = 1
    """Failures of the same code in a row (the start-up path does not retry them)."""
    interrupted: bool = False
    """The process stopped during it (a crash); its changes were undone."""
    last_at: str = ""
    message: str = ""
    distribution_version: str | None = None
    fingerprint: str | None = None


# -- events: every change to the records is one of these ----------------------------------


@dataclass(frozen=True)
class Applied:
    entry: HistoryEntry
    provenance: Provenance
    aliases: tuple[str, ...] = ()
    """Built-in migrations' names to record as done by this one (`legacy_names`)."""


@dataclass(frozen=True)
class Superseded:
    """A migration with `legacy_names` found nothing to do: the built-in migrations it
    stands for are recorded as done by it all the same, so the host never runs them."""

    entry: HistoryEntry
    provenance: Provenance
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Failed:
    entry: HistoryEntry
    fingerprint: str | None
    distribution_version: str | None
    interrupted: bool = False
    journal: str | None = None


@dataclass(frozen=True)
class RolledBack:
    entry: HistoryEntry
    provenance: Provenance
    """How it was rolled back (`how: rollback`), kept with its history row."""


@dataclass(frozen=True)
class Forgotten:
    name: str


@dataclass(frozen=True)
class VersionsMigrated:
    versions: dict[str, str]


@dataclass(frozen=True)
class ReferenceAccepted:
    name: str
    fingerprint: str


@dataclass(frozen=True)
class HostRecorded:
    """Entries kuzu-memory's built-in system wrote into migration_state.json itself."""

    entries: tuple[HistoryEntry, ...]
    last_version: str | None


@dataclass(frozen=True)
class MetaSet:
    """Bookkeeping of the records themselves (what the legacy file looked like, say)."""

    key: str
    value: str


Event = (
    Applied
    | Superseded
    | Failed
    | RolledBack
    | Forgotten
    | VersionsMigrated
    | ReferenceAccepted
    | HostRecorded
    | MetaSet
)


@dataclass(frozen=True)
class HistoryRow:
    seq: int
    entry: HistoryEntry
    outcome: str
    provenance: Provenance | None
    failure: FailureRecord | None


class Records:
    """One project's records; open it with `Records.open` and close it after use."""

    def __init__(
        self, path: Path, connection: sqlite3.Connection | None, *, durable: bool = True
    ) -> None:
        self.path = path
        self._db = connection
        self.durable = durable
        """False for an in-memory copy (a read-only command's view): nothing is a durable step."""

    @classmethod
    def open(cls, path: Path, *, create: bool) -> Records:
        """Open the records; without `create`, a project that has none reads as empty.

        A file that exists but holds no records (truncated to 0 bytes, say) is refused like
        a corrupt one: taken as fresh, it would forget every migration applied.
        """
        if not path.exists():
            if not create:
                return cls(path, None)
            _create(path)
        try:
            db = sqlite3.connect(path, isolation_level=None, timeout=30)
        except sqlite3.DatabaseError as error:
            raise _unreadable(path, str(error)) from error
        try:
            found = db.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone()
            if found is None:
                raise _unreadable(path, f"{path.stat().st_size} bytes and no records in them")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            _refuse_newer(db, path)
        except sqlite3.DatabaseError as error:
            db.close()
            raise _unreadable(path, str(error)) from error
        except BaseException:
            db.close()
            raise
        return cls(path, db)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def with_events(self, events: Sequence[Event]) -> Records:
        """An in-memory copy with `events` applied: what the records would say, unwritten."""
        memory = sqlite3.connect(":memory:", isolation_level=None)
        if self._db is not None:
            self._db.backup(memory)
        else:
            memory.executescript(_SCHEMA)
        scratch = Records(self.path, memory, durable=False)
        scratch.record(*events)
        return scratch

    def _rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self._db is None:
            return []
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.DatabaseError as error:
            raise StateError(f"{self.path}: cannot be read ({error})") from error

    def _among(self, sql: str, names: Iterable[str]) -> list[tuple[Any, ...]]:
        """`sql` (with `{names}` for a placeholder list) for every name, in chunks."""
        wanted = list(dict.fromkeys(names))
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows += self._rows(sql.format(names=",".join("?" * len(chunk))), chunk)
        return rows

    # -- reading -----------------------------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def applied_among(self, names: Iterable[str]) -> set[str]:
        return {
            r[0] for r in self._among("SELECT name FROM applied WHERE name IN ({names})", names)
        }

    def provenance(self, names: Iterable[str]) -> dict[str, Provenance]:
        rows = self._among("SELECT name, provenance FROM applied WHERE name IN ({names})", names)
        return {name: Provenance.model_validate_json(data) for name, data in rows}

    def failures(self, names: Iterable[str] | None = None) -> dict[str, FailureRecord]:
        rows = (
            self._rows("SELECT name, record FROM failures")
            if names is None
            else self._among("SELECT name, record FROM failures WHERE name IN ({names})", names)
        )
        return {name: FailureRecord.model_validate_json(data) for name, data in rows}

    def rolled_back(self, names: Iterable[str]) -> dict[str, str]:
        rows = self._among("SELECT name, at FROM rolled_back WHERE name IN ({names})", names)
        return dict(rows)

    def references(self, names: Iterable[str]) -> dict[str, str]:
        sql = "SELECT name, fingerprint FROM reference_fingerprints WHERE name IN ({names})"
        return dict(self._among(sql, names))

    def migrated_versions(self) -> dict[str, str]:
        return dict(self._rows("SELECT distribution, version FROM migrated_versions"))

    def has_journal(self, journal: str) -> bool:
        """Whether the application this journal belongs to is recorded as applied."""
        sql = "SELECT 1 FROM history WHERE journal = ? AND outcome = 'applied' LIMIT 1"
        return bool(self._rows(sql, (journal,)))

    def applied_groups(self) -> list[tuple[str | None, str, int]]:
        """(distribution, how, how many) over every applied migration not done by an alias."""
        sql = (
            "SELECT distribution, how, count(*) FROM applied WHERE done_by IS NULL "
            "GROUP BY distribution, how ORDER BY distribution"
        )
        return [(d, h, int(n)) for d, h, n in self._rows(sql)]

    def applied_of(self, distribution: str | None, how: str | None = None) -> list[str]:
        sql = "SELECT name FROM applied WHERE distribution IS ? AND done_by IS NULL"
        parameters: list[Any] = [distribution]
        if how is not None:
            sql += " AND how = ?"
            parameters.append(how)
        return [r[0] for r in self._rows(sql + " ORDER BY seq", parameters)]

    def applied_versions(self) -> list[tuple[str, str]]:
        """Distinct (distribution, distribution_version) of the applied migrations."""
        sql = (
            "SELECT DISTINCT distribution, json_extract(provenance, '$.distribution_version') "
            "FROM applied WHERE distribution IS NOT NULL"
        )
        return [(d, v) for d, v in self._rows(sql) if v]

    def applied_versions_of(self, distribution: str) -> list[tuple[str, str]]:
        """(name, distribution_version) of each migration applied from `distribution`."""
        sql = (
            "SELECT name, json_extract(provenance, '$.distribution_version') FROM applied "
            "WHERE distribution = ? AND done_by IS NULL ORDER BY seq"
        )
        return [(n, v) for n, v in self._rows(sql, (distribution,)) if v]

    def history(
        self, limit: int | None = None, migration_type: str | None = None
    ) -> list[HistoryRow]:
        """The newest `limit` history rows (every row without a limit), oldest first."""
        where = "WHERE h.migration_type = ?" if migration_type else ""
        sql = (
            "SELECT h.seq, h.entry, h.outcome, h.provenance, f.record "
            "FROM history h "
            "LEFT JOIN failures f ON f.name = h.name AND h.success = 0 "
            f"{where} ORDER BY h.seq DESC"
        )
        parameters: list[Any] = [migration_type] if migration_type else []
        if limit is not None:
            sql += " LIMIT ?"
            parameters.append(limit)
        rows = [
            HistoryRow(
                seq,
                HistoryEntry.model_validate_json(entry),
                outcome,
                Provenance.model_validate_json(provenance)
                if provenance and outcome != "host"  # nothing is invented for the host's
                else None,
                FailureRecord.model_validate_json(failure) if failure else None,
            )
            for seq, entry, outcome, provenance, failure in self._rows(sql, parameters)
        ]
        return rows[::-1]

    def history_count(self, migration_type: str | None = None) -> int:
        """How many history rows there are (of `migration_type` only, when given)."""
        where = "WHERE migration_type = ?" if migration_type else ""
        parameters = [migration_type] if migration_type else []
        [(count,)] = self._rows(f"SELECT COUNT(*) FROM history {where}", parameters)
        return int(count)

    def legacy_history(self, newest: int) -> list[HistoryEntry]:
        """What migration_state.json lists, oldest first: every entry of kuzu-memory's own
        system and every alias, and the newest `newest` of this framework's successes."""
        sql = (
            "SELECT seq, entry FROM history h WHERE outcome = 'host' OR (outcome = 'alias' "
            "AND EXISTS (SELECT 1 FROM applied a WHERE a.name = h.name AND a.seq = h.seq)) "
            "UNION SELECT * FROM (SELECT h.seq, h.entry FROM history h JOIN applied a "
            "ON a.name = h.name AND a.seq = h.seq WHERE h.outcome IN ('applied', 'stamped') "
            "ORDER BY h.seq DESC LIMIT ?) ORDER BY 1"
        )
        return [HistoryEntry.model_validate_json(e) for _, e in self._rows(sql, (newest,))]

    def host_entries(self) -> set[tuple[str, str]]:
        """(name, timestamp) of every history entry, to tell new entries of the host's apart."""
        sql = (
            "SELECT json_extract(entry, '$.name'), json_extract(entry, '$.timestamp') FROM history"
        )
        return {(n, t) for n, t in self._rows(sql)}

    # -- changing ----------------------------------------------------------------------

    def record(self, *events: Event) -> None:
        """Apply the events in one durable transaction."""
        if self._db is None:
            raise StateError(f"{self.path}: opened for reading only")
        with _transaction(self._db, self.path, durable=self.durable):
            self._db.execute("BEGIN IMMEDIATE")
            for event in events:
                self._apply(event)

    def _history(
        self,
        entry: HistoryEntry,
        outcome: Outcome,
        journal: str | None = None,
        provenance: Provenance | None = None,
    ) -> int:
        assert self._db is not None
        cursor = self._db.execute(
            "INSERT INTO history (name, entry, success, migration_type, outcome, journal, "
            "provenance) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.name,
                entry.model_dump_json(),
                int(entry.success),
                entry.migration_type,
                outcome,
                journal,
                provenance.model_dump_json() if provenance else None,
            ),
        )
        return int(cursor.lastrowid or 0)

    def _set_applied(
        self, name: str, provenance: Provenance, seq: int, done_by: str | None = None
    ) -> None:
        assert self._db is not None
        self._db.execute(
            "INSERT OR REPLACE INTO applied VALUES (?, ?, ?, ?, ?, ?)",
            (
                name,
                provenance.model_dump_json(),
                provenance.distribution,
                provenance.how,
                done_by,
                seq,
            ),
        )
        self._db.execute("DELETE FROM failures WHERE name = ?", (name,))
        self._db.execute("DELETE FROM rolled_back WHERE name = ?", (name,))

    def _aliases(
        self, entry: HistoryEntry, provenance: Provenance, aliases: tuple[str, ...], how: str
    ) -> None:
        """Built-in migrations' names recorded as done by `entry`'s migration."""
        for alias in aliases:
            message = f"{how} {entry.name} (kuzu-memory-migrations)"
            copy = entry.model_copy(update={"name": alias, "message": message, "success": True})
            seq = self._history(copy, "alias", provenance=provenance)
            self._set_applied(alias, provenance, seq, done_by=entry.name)

    def _apply(self, event: Event) -> None:
        assert self._db is not None
        db = self._db
        match event:
            case Applied(entry, provenance, aliases):
                outcome: Outcome = "stamped" if provenance.how == "stamp" else "applied"
                seq = self._history(entry, outcome, provenance.journal, provenance)
                self._set_applied(entry.name, provenance, seq)
                self._aliases(entry, provenance, aliases, "done by")
            case Superseded(entry, provenance, aliases):
                self._aliases(entry, provenance, aliases, "nothing to do, as found by")
            case Failed(entry, fingerprint, version, interrupted, journal):
                self._record_failure(entry, fingerprint, version, interrupted, journal)
            case RolledBack(entry, provenance):
                self._history(entry, "rolled_back", provenance=provenance)
                db.execute("DELETE FROM applied WHERE name = ? OR done_by = ?", (entry.name,) * 2)
                db.execute(
                    "INSERT OR REPLACE INTO rolled_back VALUES (?, ?)", (entry.name, now_iso())
                )
            case Forgotten(name):
                for table in ("history", "applied", "failures", "rolled_back"):
                    db.execute(f"DELETE FROM {table} WHERE name = ?", (name,))
                db.execute("DELETE FROM reference_fingerprints WHERE name = ?", (name,))
            case VersionsMigrated(versions):
                db.executemany(
                    "INSERT OR REPLACE INTO migrated_versions VALUES (?, ?)", versions.items()
                )
            case ReferenceAccepted(name, fingerprint):
                db.execute(
                    "INSERT OR REPLACE INTO reference_fingerprints VALUES (?, ?)",
                    (name, fingerprint),
                )
            case HostRecorded(entries, last_version):
                for entry in entries:
                    if entry.success:
                        seq = self._history(entry, "host")
                        self._set_applied(entry.name, Provenance(how="host"), seq)
                    else:
                        self._history(entry, "host")
                if last_version:
                    self._apply(MetaSet("host_last_version", last_version))
            case MetaSet(key, value):
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _record_failure(
        self,
        entry: HistoryEntry,
        fingerprint: str | None,
        version: str | None,
        interrupted: bool,
        journal: str | None,
    ) -> None:
        """A repeated failure of the same code is counted, not appended again."""
        assert self._db is not None
        previous = self.failures([entry.name]).get(entry.name)
        if previous is not None and previous.fingerprint == fingerprint:
            record = previous.model_copy(
                update={
                    "count": previous.count + 1,
                    "last_at": entry.timestamp,
                    "message": entry.message,
                    "interrupted": interrupted,
                }
            )
        else:
            self._history(entry, "interrupted" if interrupted else "failed", journal)
            record = FailureRecord(
                last_at=entry.timestamp,
                message=entry.message,
                distribution_version=version,
                fingerprint=fingerprint,
                interrupted=interrupted,
            )
            self._db.execute(
                "DELETE FROM history WHERE seq IN (SELECT seq FROM history WHERE success = 0 "
                "AND outcome IN ('failed', 'interrupted') ORDER BY seq DESC LIMIT -1 OFFSET ?)",
                (MAX_FAILED_ENTRIES,),
            )
        self._db.execute(
            "INSERT OR REPLACE INTO failures VALUES (?, ?)", (entry.name, record.model_dump_json())
        )


@contextmanager
def _transaction(db: sqlite3.Connection, path: Path, *, durable: bool = True) -> Iterator[None]:
    """Commit what the block did (the durable step), or roll it back; errors name the file."""
    try:
        yield
        if durable:
            sys.audit(AUDIT_EVENT, str(path))
        db.execute("COMMIT")
    except BaseException as error:
        if db.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(error, sqlite3.Error):
            raise StateError(f"{path}: could not record ({error}); nothing was recorded") from error
        raise


def _create(path: Path) -> None:
    """Build empty records beside `path`, then rename them into place: a crash leaves either
    no records or whole ones, never a file that is ours but empty."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fresh = path.with_name(f".{path.name}.new")
    fresh.unlink(missing_ok=True)  # what a crash during an earlier creation left
    db = sqlite3.connect(fresh, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")  # kept in the file's header
        with _transaction(db, fresh, durable=False):
            db.executescript(f"BEGIN; {_SCHEMA}")
            db.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT),))
    finally:
        db.close()  # checkpoints and removes the write-ahead log: the file is whole alone
    with fresh.open("rb") as handle:
        os.fsync(handle.fileno())
    sys.audit(AUDIT_EVENT, str(path))
    fresh.rename(path)
    fsync_directory(path.parent)


def _unreadable(path: Path, why: str) -> StateError:
    return StateError(
        f"{path} cannot be read ({why}); move it aside to start the records afresh "
        "(`kuzu-memory-migrations reset --yes` does, keeping the old file beside it)"
    )


def _refuse_newer(db: sqlite3.Connection, path: Path) -> None:
    row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    found = int(row[0]) if row and str(row[0]).isdigit() else FORMAT
    if found > FORMAT:
        raise StateError(
            f"{path} was written by a newer kuzu-memory-migrations (records format {found}, "
            f"this one reads {FORMAT}); upgrade kuzu-memory-migrations. Nothing was changed."
        )


def history_entry(
    name: str,
    version: str,
    migration_type: str,
    success: bool,
    message: str,
    changes: Sequence[str] = (),
) -> HistoryEntry:
    return HistoryEntry(
        name=name,
        version=version,
        migration_type=migration_type,
        success=success,
        message=message,
        changes=list(changes),
    )


def to_json(entry: HistoryEntry) -> dict[str, Any]:
    """The entry exactly as the legacy file holds it (extra keys of the host's included)."""
    data: dict[str, Any] = json.loads(entry.model_dump_json())
    return data
