"""The one family of errors this framework raises on purpose.

Every error that is part of the contract derives from `MigrationsError`, so a host or a
script can catch them all at once; each message names the file, pack or migration it is
about and, where there is one, the way out.
"""

from __future__ import annotations


class MigrationsError(Exception):
    """Base of every error kuzu-memory-migrations raises on purpose.

    `code` is stable: `--json` reports it in its `error` object, for scripts to tell kinds
    of failure apart without parsing messages.
    """

    code = "error"


class ConfigFileError(MigrationsError, ValueError):
    """A config file a migration reads is not what it should be; names the file and line."""

    code = "config_file"


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
