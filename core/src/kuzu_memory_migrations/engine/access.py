"""The run as one migration sees it (`MigrationAccess`): its files, its database sessions,
its progress. This is the one place where a migration's database sessions are opened and
closed, where a database held by another process is noted (the migration is then
deferred, whatever its code made of the refusal), and where a database moved to the other
engine is switched into its place, journaled."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.access import DatabaseMode, MovedDatabase, Progress
from ..contract.context import RunContext
from ..contract.errors import DatabaseError
from ..contract.reports import PlainIO
from . import conversion
from .atomic import fsync_directory
from .database import COMPANIONS, DatabaseSession, Engine, Phase, engine_named
from .files import FileOps
from .plainio import caller, paused

ProgressFactory = Callable[[str, "int | None"], Progress]


class SilentProgress:
    def advance(self, amount: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def silent_progress(label: str, total: int | None) -> Progress:
    return SilentProgress()


class _DatabaseHandle:
    """Stands for the engine's `Database` in code written against the engine directly."""

    def __init__(self, on_close: Callable[[], None]) -> None:
        self._on_close = on_close

    def close(self) -> None:
        self._on_close()


class _ConnectionHandle:
    """Stands for the engine's `Connection`: statements go through the migration's session."""

    def __init__(self, view: DatabaseView, on_close: Callable[[], None]) -> None:
        self._view, self._on_close = view, on_close

    def execute(self, query: str, parameters: dict[str, Any] | None = None) -> Any:
        session = self._view.session
        try:
            return session.raw(query, parameters)
        except DatabaseError as error:
            if session.phase == "preview" and "read-only" in str(error).lower():
                self._view.refused.append(
                    PlainIO(operation="cypher", path=f"{session.path}: {query}", where=caller())
                )
            raise

    def close(self) -> None:
        self._on_close()


@dataclass
class DatabaseView:
    """`DatabaseAccess` over one session.

    `one_shot` (a migration used outside any run): the session is closed after each call,
    so no engine lock outlives it; there is no run to close it later. While rows are being
    streamed it stays open (the rows come from it), and closes when the last stream ends.
    """

    session: DatabaseSession
    refused: list[PlainIO]
    one_shot: bool = False
    files: FileOps | None = None
    progress: ProgressFactory = silent_progress

    @property
    def path(self) -> Path:
        return self.session.path

    def _done(self) -> None:
        if self.one_shot and not self.session.held and not self.session.streaming:
            self.session.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if not self.one_shot:  # a run's migration: its own transaction holds it all
            yield
            return
        with self.session.transaction():
            yield

    def query(self, cypher: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        try:
            return self.session.query(cypher, parameters)
        finally:
            self._done()

    def execute(self, cypher: str, parameters: dict[str, Any] | None = None) -> None:
        try:
            self.session.execute(cypher, parameters)
        finally:
            self._done()

    def stream(
        self, cypher: str, parameters: dict[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        try:
            yield from self.session.stream(cypher, parameters, size)
        finally:
            self._done()

    def tables(self) -> list[str]:
        try:
            return self.session.tables()
        finally:
            self._done()

    def columns(self, table: str) -> list[str]:
        try:
            return self.session.columns(table)
        finally:
            self._done()

    def connection(self) -> tuple[Any, Any] | None:
        self.session.tables()  # opens it now: a held database is known here, not later
        return _DatabaseHandle(self._done), _ConnectionHandle(self, self._done)

    def release(self) -> None:
        if self.session.wrote:
            raise DatabaseError(f"{self.path}: written to, so held until the migration ends")
        self.session.close()

    @property
    def engine(self) -> str:
        return self.session.engine.name

    def extension_error(self, name: str) -> str | None:
        with paused():  # the framework's own work (a child, maybe): not the migration's I/O
            return conversion.extension_error(self.session.engine, name)

    def move_to(self, engine: str) -> MovedDatabase:
        with paused():  # the framework's own work: every change it makes is journaled here
            return self._move_to(engine_named(engine))

    def _move_to(self, target: Engine) -> MovedDatabase:
        session = self.session
        if session.phase == "preview":
            moved = conversion.preview(session, target)
            if self.files is not None:
                detail = f"{moved.source_engine} -> {moved.engine}: {moved.rows:,} rows"
                self.files.plan("move database", self.path, detail)
            return moved
        journal = self.files.journal if self.files is not None else None
        if session.phase != "write" or journal is None:
            raise DatabaseError(
                f"{self.path}: a database is moved to another engine only by a run, which "
                "journals the switch (`kuzu-memory-migrations run --include NAME`)"
            )
        if session.wrote:
            raise DatabaseError(
                f"{self.path}: written by this migration already; move it in one of its own"
            )

        moved, contents = conversion.move(
            session, target, created=journal.snapshot, progress=self.progress
        )
        # Step 2 of the commit protocol: journaled (the old file kept), then one rename.
        journal.record_database(self.path, "replaced", fingerprint=contents)
        journal.keep(self.path)
        for suffix in COMPANIONS:  # none now; undo removes what the new engine leaves
            journal.snapshot(self.path.with_name(self.path.name + suffix))
        os.replace(conversion.new_path(self.path, target), self.path)
        fsync_directory(self.path.parent)
        session.known_engine = target
        return moved


@dataclass
class Access:
    """One migration's access to its run, from its check to its commit or undo."""

    context: RunContext
    files: FileOps
    phase: Phase = "read"
    before_write: Callable[[DatabaseSession], None] = lambda session: None
    progress_factory: ProgressFactory = silent_progress
    sessions: dict[Path, DatabaseSession] = field(default_factory=dict)
    refused: list[PlainIO] = field(default_factory=list)
    """Database statements a dry run refused (code that wrote through a raw connection)."""

    def database(self, path: Path, mode: DatabaseMode) -> DatabaseView:
        session = self.sessions.get(path)
        if session is None:
            session = DatabaseSession(
                path,
                phase=self.phase,
                mode="autocommit" if self.context.trigger == "direct" else mode,
                before_write=self.before_write,
                plan=lambda statement: self.files.plan("cypher", path, statement),
                project_root=self.context.project_root,
            )
            self.sessions[path] = session
        return DatabaseView(
            session,
            self.refused,
            one_shot=self.context.trigger == "direct",
            files=self.files,
            progress=self.progress,
        )

    def progress(self, label: str, total: int | None) -> Progress:
        return self.progress_factory(label, total)

    def enter(self, phase: Phase) -> None:
        """From the check to the application (or its preview)."""
        self.phase = phase
        for session in self.sessions.values():
            session.phase = phase

    @property
    def busy(self) -> bool:
        return any(session.busy for session in self.sessions.values())

    def written(self) -> list[DatabaseSession]:
        return [session for session in self.sessions.values() if session.wrote]

    def close(self) -> None:
        """Close every session (rolling back what was not committed); the first error wins."""
        errors: list[Exception] = []
        for session in self.sessions.values():
            try:
                session.close()
            except Exception as error:
                errors.append(error)
        self.sessions.clear()
        if errors:
            raise errors[0]
