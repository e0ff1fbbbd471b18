"""`rollback NAME`: undo an applied migration from the journal kept of its changes.

Retired journals are kept as backups (the newest `KEPT_BACKUPS`). A rollback replays one
backwards, exactly as a failure would, and records the migration as rolled back: not a
failure, and not applied again until the user asks (`run --include NAME`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ..contract.context import RunContext, Trigger
from . import fastpath
from .access import Access
from .conversion import changed_since
from .errors import DatabaseBusy, JournalError, RollbackRefused, UnknownName
from .files import FileOps
from .guard import PathGuard, shown
from .isolation import contained
from .journal import Journal
from .locking import project_lock
from .project import Project
from .protocol import KEPT_BACKUPS, rolled_back, undo
from .records import Records
from .recovery import recover
from .state import writable_records, write_legacy


@dataclass
class RolledBackReport:
    """What `rollback NAME` undid, from which backup, and edits it overwrote (--force)."""

    name: str
    backup: Path
    restored: list[Path] = field(default_factory=list)
    overwritten: list[Path] = field(default_factory=list)


def known_names(project: Project, records: Records) -> list[str]:
    names = set(project.catalog.entries)
    names.update(records.applied_among(names))
    return sorted(names | {row.entry.name for row in records.history(limit=1000)})


def require_known(kind: str, names: list[str], known: list[str]) -> None:
    """UnknownName for the first name not in `known`, with the closest matches."""
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UnknownName(f"unknown {kind} {name!r}{hint}")


def rollback_applied(
    project: Project, name: str, *, force: bool = False, lock_wait: float = 30.0
) -> RolledBackReport:
    """Undo an applied migration from its kept journal, and record it as rolled back.

    Refused (RollbackRefused, nothing changed) when it is not applied, when no backup of
    that application is kept, when its database work was committed in a transaction (no
    copy to restore), when an applied migration depends on it, or, unless `force`, when
    files it changed were edited since or a database copy would be restored.
    """
    layout = project.layout
    with project_lock(layout, wait=lock_wait), writable_records(layout) as records:
        require_known("migration", [name], known_names(project, records))
        recover(layout, records)
        journal = _backup_of(project, records, name)
        edited = journal.edited_since()
        if edited and not force:
            listed = ", ".join(str(path) for path in edited)
            raise RollbackRefused(
                f"{name!r}: files it changed were edited since it was applied ({listed}); "
                "rolling back would lose those edits. Use --force to roll back anyway."
            )
        for database, recorded in journal.replaced():
            try:
                changed = changed_since(database, recorded)
            except DatabaseBusy as busy:
                raise RollbackRefused(
                    f"{name!r}: {database} is held open for writing by another process (is "
                    "kuzu-memory's MCP server running?); stop it, then roll back. Nothing "
                    "was changed."
                ) from busy
            if changed and not force:
                raise RollbackRefused(
                    f"{name!r}: {database} changed since it was put in place "
                    f"({'; '.join(changed)}); rolling back puts the earlier file back and "
                    "loses those changes, memories stored since included. Use --force to "
                    "roll back anyway."
                )
        if (databases := journal.databases("snapshot")) and not force:
            raise RollbackRefused(
                f"{name!r}: rolling back restores the copy of {databases[0]} taken before it "
                f"ran ({journal.header.get('started', 'time unknown')}), which discards every "
                "later change to that database, memories stored since included. Use --force "
                "to restore it anyway."
            )
        _own_rollback(project, name)
        fastpath.clear_stamp(layout)
        backup = journal.directory
        # From here on, a crash is finished by the next run's recovery (see protocol).
        journal = journal.move_to(layout.journal_dir)
        journal.record_rolling_back()
        undo(journal)
        records.record(rolled_back(journal))
        write_legacy(records, layout)
        journal.discard()
        restored = sorted(dict.fromkeys(journal.touched_paths()))
        return RolledBackReport(name, backup, restored, edited)


def _own_rollback(project: Project, name: str) -> None:
    """The migration's own `rollback()`, for undo beyond the journal; False refuses."""
    entry = project.catalog.entries.get(name)
    if entry is None:
        return
    migration = contained(name, lambda: entry.cls(project_root=project.root))
    guard = PathGuard.build(name, project.root, [], project.allow_paths)
    context = RunContext(project_root=project.root, trigger=Trigger.ROLLBACK)
    migration.bind(Access(context, FileOps(guard)))
    if not contained(f"{name}: rollback()", migration.rollback):
        raise RollbackRefused(f"{name!r}: its rollback() returned False; nothing was changed")


def _backup_of(project: Project, records: Records, name: str) -> Journal:
    """The kept journal of the application the records hold, or why there is none."""
    if not records.applied_among([name]):
        raise RollbackRefused(f"{name!r} is not applied in {project.root}; nothing to roll back")
    provenance = records.provenance([name])[name]
    directory = project.layout.backups_dir / (provenance.journal or "-")
    try:
        journal = Journal.load(directory) if provenance.journal else None
    except JournalError:
        journal = None
    if journal is None or not journal.started:
        raise RollbackRefused(
            f"{name!r}: no backup of its changes is kept in {project.layout.backups_dir} "
            f"(only the newest {KEPT_BACKUPS} applications are, and none for migrations "
            "applied by kuzu-memory's built-in system, by `stamp`, or that changed nothing); "
            "nothing was changed"
        )
    if databases := journal.databases("transaction"):
        raise RollbackRefused(
            f"{name!r} changed the database {databases[0]} in a transaction, which keeps "
            "no copy to restore; undo it with a new migration instead. Nothing was changed."
        )
    dependents = sorted(
        other
        for other, entry in project.catalog.entries.items()
        if name in entry.spec.depends_on and records.applied_among([other])
    )
    if dependents:
        raise RollbackRefused(
            f"{name!r}: applied migrations depend on it ({', '.join(dependents)}); "
            "roll those back first"
        )
    if later := _later_on_the_same_things(project, journal, records):
        listed = "; ".join(
            f"{other}: {', '.join(shown(path, project.root) for path in paths)}"
            for other, paths in later.items()
        )
        raise RollbackRefused(
            f"{name!r}: migrations applied after it changed the same database or files "
            f"({listed}); undoing it would take their work away too, while the records "
            "still call them applied. Roll those back first."
        )
    return journal


def _later_on_the_same_things(
    project: Project, journal: Journal, records: Records
) -> dict[str, list[Path]]:
    """Applied migrations that changed, after this one, a database or file it changed, each
    with what they share: not an edit that --force may overwrite, work that would be lost."""
    ours = _changed_by(journal)
    later: dict[str, list[Path]] = {}
    for directory in sorted(project.layout.backups_dir.iterdir()):
        if directory.name <= journal.directory.name:
            continue
        try:
            newer = Journal.load(directory)
        except JournalError:
            continue
        if (shared := ours & _changed_by(newer)) and records.applied_among([newer.migration]):
            later[newer.migration] = sorted(shared)
    return later


def _changed_by(journal: Journal) -> set[Path]:
    modes = ("snapshot", "transaction", "replaced")
    return {*(path for mode in modes for path in journal.databases(mode)), *journal.touched_paths()}
