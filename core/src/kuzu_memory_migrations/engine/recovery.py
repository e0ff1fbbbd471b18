"""Finishing what a crash interrupted, and undoing an applied migration from its backup.

Committed journals are kept as backups (newest `KEPT_BACKUPS`) in a folder only the owner
can read, since settings files can hold secrets; `rollback NAME` replays one of them.
"""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..contract.reports import MigrationOutcome, Status
from . import fastpath
from .atomic import remove_stray_temps
from .journal import DISCARDED, Journal, JournalError
from .layout import ProjectLayout
from .locking import project_lock
from .state import MigrationState, StateStore, history_entry

if TYPE_CHECKING:
    from .project import Project

KEPT_BACKUPS = 20
"""Committed journals kept, newest first, so recent migrations can be rolled back."""


class RollbackRefused(Exception):
    """`rollback NAME` cannot be done safely; the message names the migration and why."""


def retire(layout: ProjectLayout, journal: Journal) -> None:
    """Keep a committed journal among the backups, pruning the oldest past the limit."""
    backups = layout.backups_dir
    backups.mkdir(mode=0o700, parents=True, exist_ok=True)
    backups.chmod(0o700)
    journal.directory.replace(backups / journal.directory.name)
    kept = sorted(backups.iterdir(), reverse=True)
    for old in kept[KEPT_BACKUPS:]:
        shutil.rmtree(old, ignore_errors=True)


def remove_if_empty(directory: Path) -> None:
    with contextlib.suppress(OSError):
        directory.rmdir()


def settle(journal: Journal, state: MigrationState) -> bool:
    """Whether the journal's migration finished: committed, or recorded as applied by its run.

    The state records a success before the journal commits, so a stop between the two
    must count as finished (commit it now), never be undone behind the state's back.
    """
    if journal.committed:
        return True
    provenance = state.framework.applied.get(str(journal.header.get("migration")))
    if provenance is None or provenance.run_id != journal.header.get("run_id"):
        return False
    journal.commit()
    return True


def unfinished(layout: ProjectLayout) -> list[str]:
    """Migrations a crash left half-applied, for `status` and `plan` (which change nothing)."""
    if not layout.journal_dir.is_dir():
        return []
    names = []
    for directory in sorted(layout.journal_dir.iterdir()):
        if directory.name.endswith(DISCARDED):
            continue
        try:
            journal = Journal.load(directory)
        except JournalError:
            names.append(directory.name)
            continue
        if journal.records and not journal.committed:
            names.append(str(journal.header.get("migration", directory.name)))
    return names


def recover_interrupted(
    layout: ProjectLayout, store: StateStore, state: MigrationState
) -> tuple[list[MigrationOutcome], list[str]]:
    """Undo every migration a crash left half-applied; record each as interrupted.

    Returns the outcomes and the journals that could not be replayed.
    """
    outcomes: list[MigrationOutcome] = []
    problems: list[str] = []
    for own in (layout.state_file, layout.lock_owner_file, layout.idle_stamp):
        remove_stray_temps(own)
    if not layout.journal_dir.is_dir():
        return outcomes, problems
    for directory in sorted(layout.journal_dir.iterdir()):
        if directory.name.endswith(DISCARDED):
            shutil.rmtree(directory, ignore_errors=True)  # a deletion a crash cut short
            continue
        try:
            journal = Journal.load(directory)
        except JournalError as error:
            problems.append(f"{error}; left in place, fix or remove it by hand")
            continue
        if not journal.records:
            journal.discard()  # stopped before its first record: nothing was changed
            continue
        if settle(journal, state):
            retire(layout, journal)
            continue
        header = journal.header
        name = str(header.get("migration", directory.name))
        try:
            journal.undo()
        except OSError as error:
            problems.append(f"could not undo interrupted {name!r} from {directory}: {error}")
            continue
        message = "interrupted: the process stopped mid-migration; its changes were undone"
        store.log(state, _failure_event(journal, "failed", message, interrupted=True))
        journal.discard()
        outcomes.append(
            MigrationOutcome(
                name=name,
                distribution=header.get("distribution"),
                migration_type=str(header.get("migration_type", "")),
                status=Status.INTERRUPTED,
                reason=message,
            )
        )
    remove_if_empty(layout.journal_dir)
    return outcomes, problems


def _failure_event(
    journal: Journal, event: str, message: str, **extra: object
) -> dict[str, object]:
    """A state event that counts the journal's migration as not applied, in legacy shape."""
    header = journal.header
    name = str(header.get("migration", ""))
    return {
        "event": event,
        "name": name,
        "fingerprint": header.get("fingerprint"),
        "distribution_version": header.get("distribution_version"),
        "entry": history_entry(
            name,
            str(header.get("version", "")),
            str(header.get("migration_type", "")),
            False,
            message,
        ),
        **extra,
    }


# -- rollback NAME ------------------------------------------------------------------------


@dataclass
class RolledBack:
    """What `rollback NAME` undid, from which backup, and edits it overwrote (--force)."""

    name: str
    backup: Path
    restored: list[Path] = field(default_factory=list)
    overwritten: list[Path] = field(default_factory=list)


def newest_backup(layout: ProjectLayout, name: str) -> Journal | None:
    """The newest committed journal of migration `name` still kept, if any."""
    if not layout.backups_dir.is_dir():
        return None
    for directory in sorted(layout.backups_dir.iterdir(), reverse=True):
        try:
            journal = Journal.load(directory)
        except JournalError:
            continue  # a backup cut short while it was pruned: nothing to roll back from
        if journal.header.get("migration") == name and journal.committed:
            return journal
    return None


def rollback_applied(
    project: Project, name: str, *, force: bool = False, lock_wait: float = 30.0
) -> RolledBack:
    """Undo an applied migration from its kept journal, and count it as not applied.

    Refused (RollbackRefused, nothing changed) when it is not applied, when no backup of
    that application is kept, when its database work was committed in a transaction (no
    copy to restore), when an applied migration depends on it, or, unless `force`, when
    files it changed were edited since.
    """
    layout = project.layout
    with project_lock(layout, wait=lock_wait):
        state = project.store.load()
        recover_interrupted(layout, project.store, state)
        journal = _rollback_source(project, state, name)
        edited = journal.edited_since_commit()
        if edited and not force:
            listed = ", ".join(str(path) for path in edited)
            raise RollbackRefused(
                f"{name!r}: files it changed were edited since it was applied ({listed}); "
                "rolling back would lose those edits. Use --force to roll back anyway."
            )
        if (databases := journal.databases("snapshot")) and not force:
            raise RollbackRefused(
                f"{name!r}: rolling back restores the copy of {databases[0]} taken before it "
                f"ran ({journal.header.get('started', 'time unknown')}), which discards every "
                "later change to that database, memories stored since included. Use --force "
                "to restore it anyway."
            )
        entry = project.catalog.entries.get(name)
        if entry is not None and not entry.cls(project_root=project.root).rollback():
            raise RollbackRefused(f"{name!r}: its rollback() returned False; nothing was changed")
        journal.undo()
        store = project.store
        store.log(state, _failure_event(journal, "rolled_back", "rolled back"))
        store.save(state)
        fastpath.clear_stamp(layout)
        journal.discard()
        restored = sorted(dict.fromkeys(journal.touched_paths()))
        return RolledBack(name, journal.directory, restored, edited)


def _rollback_source(project: Project, state: MigrationState, name: str) -> Journal:
    """The journal of the application the state records, or why it cannot be rolled back."""
    if name not in state.applied_names():
        raise RollbackRefused(f"{name!r} is not applied in {project.root}; nothing to roll back")
    provenance = state.framework.applied.get(name)
    journal = newest_backup(project.layout, name)
    if provenance is None or journal is None or journal.header.get("run_id") != provenance.run_id:
        raise RollbackRefused(
            f"{name!r}: no backup of its changes is kept in {project.layout.backups_dir} "
            f"(only the newest {KEPT_BACKUPS} applications are, and none for migrations "
            "applied by the old built-in system or by `stamp`); nothing was changed"
        )
    if databases := journal.databases("transaction"):
        raise RollbackRefused(
            f"{name!r} changed the database {databases[0]} in a Kuzu transaction, which keeps "
            "no copy to restore; undo it with a new migration instead. Nothing was changed."
        )
    dependents = sorted(
        other
        for other, entry in project.catalog.entries.items()
        if name in entry.spec.depends_on and other in state.applied_names()
    ) + _later_on_the_same_database(project.layout, journal, state)
    if dependents:
        raise RollbackRefused(
            f"{name!r}: applied migrations depend on it ({', '.join(dependents)}); "
            "roll those back first"
        )
    return journal


def _later_on_the_same_database(
    layout: ProjectLayout, journal: Journal, state: MigrationState
) -> list[str]:
    """Applied migrations that changed this journal's databases after it: a restored copy
    of the database would silently take their work away too."""
    ours = {*journal.databases("snapshot"), *journal.databases("transaction")}
    later: list[str] = []
    for directory in sorted(layout.backups_dir.iterdir()):
        if directory.name <= journal.directory.name or not ours:
            continue
        with contextlib.suppress(JournalError):
            newer = Journal.load(directory)
            name = str(newer.header.get("migration"))
            theirs = {*newer.databases("snapshot"), *newer.databases("transaction")}
            if ours & theirs and name in state.applied_names():
                later.append(name)
    return later
