"""The one family of errors this framework raises on purpose.

Every error that is part of the contract derives from `MigrationsError`, so a host or a
script can catch them all at once; each message names the file, pack or migration it is
about and, where there is one, the way out.
"""

from __future__ import annotations

from pathlib import Path


class MigrationsError(Exception):
    """Base of every error kuzu-memory-migrations raises on purpose.

    `code` is stable: `--json` reports it in its `error` object, for scripts to tell kinds
    of failure apart without parsing messages.
    """

    code = "error"


class ConfigFileError(MigrationsError, ValueError):
    """A config file a migration reads is not what it should be; names the file and line."""

    code = "config_file"

    @classmethod
    def invalid_yaml(cls, path: Path, error: Exception) -> ConfigFileError:
        """`path:LINE:COLUMN: invalid YAML: problem (context at LINE:COLUMN)`, one line,
        from ruamel's error (whose own text spans lines and quotes the source)."""
        problem, mark = getattr(error, "problem", None), getattr(error, "problem_mark", None)
        if problem is None or mark is None:
            return cls(f"{path}: invalid YAML: {' '.join(str(error).split())}")
        context, since = getattr(error, "context", None), getattr(error, "context_mark", None)
        started = ""
        if context and since:
            started = f" ({context} at {since.line + 1}:{since.column + 1})"
        return cls(f"{path}:{mark.line + 1}:{mark.column + 1}: invalid YAML: {problem}{started}")


class PathRefused(MigrationsError, PermissionError):
    """A migration tried to change a path the path guard does not let it change."""

    code = "path_refused"


class NotPreviewable(MigrationsError, PermissionError):
    """Pack code tried plain I/O (or a subprocess) during a dry run, which writes nothing."""

    code = "not_previewable"


class DatabaseError(MigrationsError, RuntimeError):
    """A statement failed or a database could not be opened; names the database."""

    code = "database"


class MigrationDeferred(MigrationsError):
    """Raised by a migration that cannot run now (e.g. its database is held open elsewhere).

    The framework undoes what the migration did so far, records nothing, and retries later.
    """

    code = "deferred"
