"""The engine's errors: each a `MigrationsError`, so the CLI and hosts catch one family."""

from __future__ import annotations

from ..contract.errors import MigrationDeferred, MigrationsError


class UsageError(MigrationsError):
    """The command was asked for something that cannot be: a root that is not a project,
    a name nothing knows. Nothing was changed."""

    code = "usage"


class NotAProject(UsageError):
    """The project root does not exist or holds no `.kuzu-memory/` (nor a legacy folder)."""

    code = "not_a_project"


class UnknownName(UsageError):
    """A migration or pack name matches nothing; the message suggests close names."""

    code = "unknown_name"


class StateError(MigrationsError):
    """The framework's records or the legacy state file cannot be used; the message names
    the file and the way out. The file's bytes are kept."""

    code = "state"


class LockHeld(MigrationsError):
    """Another runner holds the project's lock; the message says who and since when."""

    code = "lock_held"


class JournalError(MigrationsError):
    """A journal left by an interrupted run cannot be read; names its folder."""

    code = "journal"


class UndoFailed(MigrationsError):
    """Undoing a migration left files not restored; the journal is kept and the next run
    tries again before anything else. Names the migration and the files."""

    code = "undo_failed"


class RollbackRefused(MigrationsError):
    """`rollback NAME` cannot be done safely; the message names the migration and why."""

    code = "rollback_refused"


class DatabaseBusy(MigrationDeferred):
    """The database is held open by another process (kuzu-memory's MCP server, say)."""

    code = "database_busy"


class EngineConflict(MigrationDeferred):
    """The database's engine cannot be loaded here: the other engine is (their native
    modules cannot share a process). Deferred: a process without it does the work."""

    code = "engine_conflict"


class PackError(MigrationsError):
    """Pack code raised (an exception, SystemExit or KeyboardInterrupt); names the pack."""

    code = "pack"
