"""All access to the Kuzu database goes through this module (one place to port to a fork).

kuzu is imported here, lazily: the start-up path never pays for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..contract.results import MigrationDeferred

_LOCK_MESSAGE = "Could not set lock on file"


class DatabaseBusy(MigrationDeferred):
    """The database is held open by another process (kuzu-memory's MCP server, say)."""


class DatabaseError(RuntimeError):
    """A Cypher statement failed; names the database and the statement."""


class DatabaseSession:
    """One connection, opened on first use, with at most one open transaction.

    Read-only sessions (dry runs) never write a byte; writable ones run each migration's
    statements in one Kuzu transaction that the runner commits or rolls back.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._database: Any = None
        self._connection: Any = None
        self.in_transaction = False

    @property
    def is_open(self) -> bool:
        return self._connection is not None

    def open(self) -> None:
        """Open now (taking Kuzu's file lock); DatabaseBusy when another process holds it."""
        self._connect()

    def _connect(self) -> Any:
        if self._connection is None:
            if not self.path.exists():
                raise DatabaseError(f"no database at {self.path}")
            import kuzu

            try:
                self._database = kuzu.Database(str(self.path), read_only=self.read_only)
            except RuntimeError as error:
                if _LOCK_MESSAGE in str(error):
                    raise DatabaseBusy(
                        f"database {self.path} is held open by another process "
                        "(is kuzu-memory's MCP server running?); will retry later"
                    ) from error
                raise DatabaseError(f"cannot open database {self.path}: {error}") from error
            self._connection = kuzu.Connection(self._database)
        return self._connection

    def execute(self, query: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run one statement and return its rows as dicts."""
        connection = self._connect()
        try:
            result = connection.execute(query, parameters or {})
        except RuntimeError as error:
            raise DatabaseError(f"{self.path}: {error}\n  in: {query.strip()}") from error
        results = result if isinstance(result, list) else [result]
        rows: list[dict[str, Any]] = []
        for item in results:
            names = item.get_column_names()
            while item.has_next():
                rows.append(dict(zip(names, item.get_next(), strict=True)))
            item.close()
        return rows

    def begin(self) -> None:
        if not self.in_transaction and not self.read_only:
            self.execute("BEGIN TRANSACTION")
            self.in_transaction = True

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")
            self.in_transaction = False

    def rollback(self) -> None:
        """Roll back; Kuzu may already have cancelled a transaction whose statement failed."""
        if self.in_transaction:
            self.in_transaction = False
            try:
                self.execute("ROLLBACK")
            except DatabaseError as error:
                if "No active transaction" not in str(error):
                    raise

    def tables(self) -> list[str]:
        return [row["name"] for row in self.execute("CALL show_tables() RETURN *")]

    def columns(self, table: str) -> list[str]:
        return [row["name"] for row in self.execute(f"CALL table_info('{table}') RETURN *")]

    def close(self) -> None:
        """Roll back anything uncommitted and release the file lock."""
        try:
            self.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
            if self._database is not None:
                self._database.close()
            self._connection = self._database = None
