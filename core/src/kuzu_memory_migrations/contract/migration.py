"""The base class every migration derives from, and the safe helpers it inherits.

Helpers change files through the run's `FileAccess`: refused outside the project and the
migration's declared paths, journaled before the change (so it can be undone), and only
shown, never made, in a dry run. Plain Python I/O in a migration is journaled (or, in a
dry run, refused) too; the helpers add diffs, YAML that keeps its comments, and `.bak`
files when a migration is used outside any run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .access import standalone_access
from .context import Trigger
from .errors import ConfigFileError
from .results import MigrationResult, MigrationType

if TYPE_CHECKING:
    from .access import FileAccess, MigrationAccess
    from .context import RunContext


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
    """Older names of this same migration: a history that records one counts it as applied."""
    legacy_names: ClassVar[tuple[str, ...]] = ()
    """Names of kuzu-memory's built-in migrations whose work this one does: written into the
    legacy history beside this one, so the built-in system never runs its own after it."""
    version_axis: ClassVar[str | None] = None
    """The distribution whose installed version the range is read against (default: the
    pack's own `version_axis`, else the pack's distribution)."""
    opt_in: ClassVar[bool] = False
    """Never applied unless asked for by name (`run --include NAME`)."""

    def __init__(self, project_root: Path | None = None) -> None:
        self.project_root = Path(project_root) if project_root is not None else Path.cwd()
        self._access: MigrationAccess | None = None
        self._backup_files: list[Path] = []

    def bind(self, access: MigrationAccess) -> None:
        """Attach the run this migration is checked or applied in (the runner calls this)."""
        self._access = access

    @property
    def access(self) -> MigrationAccess:
        if self._access is None:
            self._access = standalone_access(self)
        return self._access

    @property
    def context(self) -> RunContext:
        return self.access.context

    @property
    def files(self) -> FileAccess:
        return self.access.files

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
        """Undo beyond the journal: called when `migrate()` fails in a run (before the
        journal puts every file and database back) and by `rollback NAME`; its own file
        changes are made at once, not journaled. Outside a run this restores the `.bak`
        files `backup_file` made, as the old built-in system did. False refuses a rollback."""
        if self.context.trigger is not Trigger.DIRECT:
            return True
        for backup in self._backup_files:
            if self.files.exists(backup):
                self.files.write_bytes(backup.with_suffix(""), self.files.read_bytes(backup))
                self.files.remove(backup)
        self._backup_files.clear()
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

    def read_bytes(self, path: Path | str) -> bytes:
        return self.files.read_bytes(path)

    def read_text(self, path: Path | str) -> str:
        return self.files.read_bytes(path).decode("utf-8")

    def write_text(self, path: Path | str, text: str) -> None:
        self.files.write_bytes(path, text.encode("utf-8"))

    def read_json(self, file_path: Path | str) -> dict[str, Any]:
        """The JSON object in a file, `{}` when it does not exist; bad JSON names file and line."""
        if not self.files.exists(file_path):
            return {}
        absolute = self.files.absolute(file_path)
        try:
            data = json.loads(self.files.read_bytes(absolute))
        except json.JSONDecodeError as error:
            raise ConfigFileError(
                f"{absolute}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
            ) from error
        except UnicodeDecodeError as error:
            raise ConfigFileError(f"{absolute}: not UTF-8 text: {error}") from error
        except RecursionError:
            raise ConfigFileError(f"{absolute}: JSON nested too deeply to read") from None
        if not isinstance(data, dict):
            raise ConfigFileError(
                f"{absolute}: expected a JSON object, found {type(data).__name__}"
            )
        return data

    def write_json(self, file_path: Path | str, data: dict[str, Any], backup: bool = True) -> None:
        """Write JSON atomically; with `backup`, the old bytes are kept (journal or `.bak`)."""
        if backup:
            self.backup_file(file_path)
        self.write_text(file_path, json.dumps(data, indent=2) + "\n")

    def backup_file(self, file_path: Path | str) -> Path:
        """Keep a copy of the current bytes: the journal's in a run, else `<file>.bak`."""
        absolute = self.files.absolute(file_path)
        kept = self.files.backup(absolute)
        if kept is not None and kept.name.endswith(".bak"):
            self._backup_files.append(kept)
        return kept or absolute.with_suffix(absolute.suffix + ".bak")

    def move_file(self, src: Path | str, dst: Path | str, backup: bool = True) -> bool:
        """Move a file or folder; False when `src` does not exist. Undone on failure.

        Outside a run, `backup` keeps an existing destination as `.bak` first.
        """
        if backup and self.files.exists(src) and self.files.exists(dst):
            self.backup_file(dst)
        return self.files.move(src, dst)

    def remove_path(self, path: Path | str) -> bool:
        """Delete a file or folder tree undoably; False when nothing was there."""
        return self.files.remove(path)

    def ensure_directory(self, dir_path: Path | str) -> bool:
        self.files.mkdir(dir_path)
        return True
