"""The path guard: which paths a migration may change, checked as written and as resolved.

- Inside the project, a path may be changed when it resolves inside the project too. A
  link inside the project that leads outside is followed only to targets the user allowed
  (`run --allow-path PATH`, or `migrations.allow_paths` in `.kuzu-memory/config.yaml`).
- Outside the project, only the paths the migration declares (`declared_paths()`): a
  declared folder with what is below it; a declared file; a declared file that is itself a
  symlink allows its resolved target only, and only when that is a regular file; the
  `<file>.bak` beside a declared file (old code keeps its backups there).
- The framework's own folder (`.kuzu-memory/migrations/`) is never the migration's, and a
  removal or move may not take any folder holding it.

Undo applies the same guard (from the journal), so it never deletes through a link that
leads out of the allowed paths.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..contract.errors import PathRefused
from .layout import ProjectLayout


def within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def shown(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the project when it is inside."""
    inside = path != root and within(path, root)
    return str(path.relative_to(root)) if inside else str(path)


def _lexical(path: Path) -> Path:
    return Path(os.path.abspath(path))


def _real(path: Path, *, follow: bool) -> Path:
    """Where a change to `path` lands: through every link, or up to the last component."""
    if follow:
        return Path(os.path.realpath(path))
    return Path(os.path.realpath(path.parent)) / path.name


def _is_symlink(path: Path) -> bool:
    try:
        return stat.S_ISLNK(path.lstat().st_mode)
    except OSError:
        return False


@dataclass(frozen=True)
class PathGuard:
    """The paths one migration may change."""

    owner: str
    project_root: Path
    declared: tuple[Path, ...] = ()
    allowed: tuple[Path, ...] = ()
    """Targets outside the project the user lets links inside it lead to (--allow-path)."""
    refusals: list[str] = field(default_factory=list, compare=False)
    """Every refusal so far: code that catches the error cannot make it go unnoticed."""
    _project_real: Path = field(init=False)
    _private: Path = field(init=False)
    _allowed_real: tuple[Path, ...] = field(init=False)

    @classmethod
    def build(
        cls, owner: str, project_root: Path, declared: Iterable[Path], allowed: Iterable[Path]
    ) -> PathGuard:
        root = _lexical(project_root)
        outside = tuple(
            dict.fromkeys(
                _lexical(root / Path(p).expanduser())
                for p in declared
                if not within(_lexical(root / Path(p).expanduser()), root)
            )
        )
        return cls(owner, root, outside, tuple(_lexical(Path(p).expanduser()) for p in allowed))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_project_real", Path(os.path.realpath(self.project_root)))
        work = ProjectLayout(self.project_root).work_dir
        object.__setattr__(self, "_private", Path(os.path.realpath(work)))
        object.__setattr__(
            self, "_allowed_real", tuple(Path(os.path.realpath(p)) for p in self.allowed)
        )

    def absolute(self, path: Path | str) -> Path:
        """Relative paths are read against the project root, never the current directory."""
        return _lexical(self.project_root / Path(path).expanduser())

    def check(self, path: Path | str, *, follow: bool = True, replace: bool = False) -> Path:
        """The absolute path when the migration may change it; PathRefused otherwise.

        `follow=False` is for changes to a link itself (removing or moving it); `replace`
        for changes that take a whole folder (remove, move).
        """
        try:
            return self._check(self.absolute(path), follow=follow, replace=replace)
        except PathRefused as refused:
            self.refusals.append(str(refused))
            raise

    def _check(self, absolute: Path, *, follow: bool, replace: bool) -> Path:
        real = _real(absolute, follow=follow)
        if within(real, self._private) or (replace and within(self._private, real)):
            raise PathRefused(
                f"migration {self.owner!r} may not change {absolute}: that is "
                f"kuzu-memory-migrations' own folder ({self._private}: records, journals, "
                "backups, lock)"
            )
        if within(absolute, self.project_root):
            if within(real, self._project_real) or self._is_allowed(real):
                return absolute
            link, target = self._escaping_link(absolute, follow=follow)
            raise PathRefused(
                f"migration {self.owner!r} may not change {absolute}: {link} is a symlink to "
                f"{target}, outside the project; to let migrations write there, run with "
                f"--allow-path {target}"
            )
        if self._declared_allows(absolute, real) or self._is_allowed(real):
            return absolute
        resolved = f" (it resolves to {real})" if real != absolute else ""
        raise PathRefused(
            f"migration {self.owner!r} may not change {absolute}{resolved}: it is outside "
            f"the project {self.project_root} and the paths the migration declares"
        )

    def _is_allowed(self, real: Path) -> bool:
        return any(within(real, allowed) for allowed in self._allowed_real)

    def _declared_allows(self, absolute: Path, real: Path) -> bool:
        if absolute.name.endswith(".bak"):  # a backup beside a declared file
            original = absolute.with_name(absolute.name.removesuffix(".bak"))
            if original in self.declared and not _is_symlink(absolute):
                return real == _real(absolute, follow=False)
        for declared in self.declared:
            if absolute == declared:
                if not _is_symlink(declared) or real != Path(os.path.realpath(declared)):
                    return True  # the declared path itself (or the link, not followed)
                return real.is_file() and not real.is_symlink()
            if within(absolute, declared) and not _is_symlink(declared):
                target = Path(os.path.realpath(declared))
                if declared.is_dir() or not declared.exists():
                    return within(real, target)
        return False

    def _escaping_link(self, absolute: Path, *, follow: bool) -> tuple[Path, Path]:
        """The first link on the way to `absolute` that leads out of the project."""
        parts = absolute.relative_to(self.project_root).parts
        last = len(parts) if follow else len(parts) - 1
        current = self.project_root
        for part in parts[:last]:
            current = current / part
            if _is_symlink(current):
                target = Path(os.path.realpath(current))
                if not within(target, self._project_real):
                    return current, target
        return absolute, _real(absolute, follow=follow)
