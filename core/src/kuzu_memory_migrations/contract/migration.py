"""The base class every migration derives from, and the safe helpers it inherits.

Helpers route every change through the run's `FileOps`: refused outside the project and
the migration's declared paths, journaled before it happens (so it can be undone), and
only shown, never made, in a dry run.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .context import RunContext
from .results import MigrationResult, MigrationType

if TYPE_CHECKING:
    from ..engine.files import FileOps


class ConfigFileError(ValueError):
    """A config file a migration reads is not what it should be; names the file and line."""


class Migration:
    """One change to a kuzu-memory project, applied at most once.

    Subclasses set the class attributes and implement `description`, `check_applicable`
    and `migrate`; everything else has a safe default.
    """

    name: ClassVar[str] = ""
    from_version: ClassVar[str] = "0.0.0"
    to_version: ClassVar[str] = "999.0.0"
    migration_type: ClassVar[MigrationType] = MigrationType.CONFIG
    priority: ClassVar[int] = 100
    depends_on: ClassVar[tuple[str, ...]] = ()
    replaces: ClassVar[tuple[str, ...]] = ()
    version_axis: ClassVar[str | None] = None
    """The distribution whose installed version the range is read against (default: the pack)."""

    def __init__(self, project_root: Path | None = None) -> None:
        self.project_root = Path(project_root) if project_root is not None else Path.cwd()
        self._context: RunContext | None = None
        self._files: FileOps | None = None

    def bind(self, context: RunContext, files: FileOps) -> None:
        """Attach the run this migration is applied in (the runner calls this)."""
        self._context, self._files = context, files

    @property
    def context(self) -> RunContext:
        if self._context is None:
            self._context = RunContext(project_root=self.project_root)
        return self._context

    @property
    def files(self) -> FileOps:
        if self._files is None:
            from ..engine.files import FileOps

            self._files = FileOps(self.project_root, self.name, self.declared_paths())
        return self._files

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    # -- what subclasses implement ----------------------------------------------------

    def description(self) -> str:
        """One line for `status` and `plan`."""
        return (self.__doc__ or self.name).strip().splitlines()[0]

    def check_applicable(self) -> bool:
        """Whether there is anything to do (beyond the version range)."""
        return True

    def migrate(self) -> MigrationResult:
        raise NotImplementedError(f"{type(self).__name__}.migrate()")

    def rollback(self) -> bool:
        """Undo beyond the journal (rarely needed: file changes are undone for you)."""
        return True

    def declared_paths(self) -> list[Path]:
        """Paths outside the project this migration may change (the path guard allows them)."""
        return []

    # -- helpers ----------------------------------------------------------------------

    def path(self, relative: Path | str) -> Path:
        """A path read against the project root, never the current directory."""
        return self.files.absolute(relative)

    def exists(self, path: Path | str) -> bool:
        return self.files.exists(path)

    def read_text(self, path: Path | str) -> str:
        return self.files.read_text(path)

    def write_text(self, path: Path | str, text: str) -> None:
        self.files.write_text(path, text)

    def read_json(self, file_path: Path | str) -> dict[str, Any]:
        """The JSON object in a file, `{}` when it does not exist; bad JSON names file and line."""
        if not self.files.exists(file_path):
            return {}
        absolute = self.files.absolute(file_path)
        try:
            data = json.loads(self.files.read_text(absolute))
        except json.JSONDecodeError as error:
            raise ConfigFileError(
                f"{absolute}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
            ) from error
        except UnicodeDecodeError as error:
            raise ConfigFileError(f"{absolute}: not UTF-8 text: {error}") from error
        if not isinstance(data, dict):
            raise ConfigFileError(
                f"{absolute}: expected a JSON object, found {type(data).__name__}"
            )
        return data

    def write_json(self, file_path: Path | str, data: dict[str, Any], backup: bool = True) -> None:
        """Write JSON atomically; with `backup`, the old bytes are kept (journal or `.bak`)."""
        if backup:
            self.backup_file(file_path)
        self.files.write_text(file_path, json.dumps(data, indent=2) + "\n")

    def backup_file(self, file_path: Path | str) -> Path:
        """Keep a copy of the current bytes; in a run the journal keeps it, else a `.bak` file."""
        if self._files is not None and self._files.journal is not None:
            return self._files.snapshot(file_path) or self.files.absolute(file_path)
        source = self.files.absolute(file_path)
        backup = source.with_suffix(source.suffix + ".bak")
        if source.exists() and not self.files.dry_run:
            shutil.copy2(source, backup)
        return backup

    def move_file(self, src: Path | str, dst: Path | str, backup: bool = True) -> bool:
        """Move a file or folder; False when `src` does not exist. Undone on failure.

        Outside a run (no journal), `backup` keeps an existing destination as `.bak`.
        """
        if backup and self.files.journal is None and self.files.exists(dst):
            self.backup_file(dst)
        return self.files.move(src, dst)

    def remove_path(self, path: Path | str) -> bool:
        """Delete a file or folder tree undoably; False when nothing was there."""
        return self.files.remove(path)

    def ensure_directory(self, dir_path: Path | str) -> bool:
        self.files.mkdir(dir_path)
        return True
