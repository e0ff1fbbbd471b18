"""Finishing what a crash interrupted, and keeping committed journals for `rollback NAME`."""

from __future__ import annotations

import shutil
from pathlib import Path

from ..contract.reports import MigrationOutcome, Status
from .journal import Journal, JournalError
from .layout import ProjectLayout
from .state import MigrationState, StateStore, history_entry

KEPT_BACKUPS = 20
"""Committed journals kept, newest first, so recent migrations can be rolled back."""


def retire(layout: ProjectLayout, journal: Journal) -> None:
    """Keep a committed journal among the backups, pruning the oldest past the limit."""
    layout.backups_dir.mkdir(parents=True, exist_ok=True)
    journal.directory.replace(layout.backups_dir / journal.directory.name)
    kept = sorted(layout.backups_dir.iterdir(), reverse=True)
    for old in kept[KEPT_BACKUPS:]:
        shutil.rmtree(old, ignore_errors=True)


def remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        pass


def recover_interrupted(
    layout: ProjectLayout, store: StateStore, state: MigrationState
) -> tuple[list[MigrationOutcome], list[str]]:
    """Undo every migration a crash left half-applied; record each as interrupted.

    A journal whose migration reached the state (it crashed while committing) is kept
    as committed instead. Returns the outcomes and the journals that could not be replayed.
    """
    outcomes: list[MigrationOutcome] = []
    problems: list[str] = []
    if not layout.journal_dir.is_dir():
        return outcomes, problems
    for directory in sorted(layout.journal_dir.iterdir()):
        try:
            journal = Journal.load(directory)
        except JournalError as error:
            problems.append(f"{error}; left in place, fix or remove it by hand")
            continue
        header = journal.header
        name = str(header.get("migration", directory.name))
        provenance = state.framework.applied.get(name)
        if journal.committed or (provenance and provenance.run_id == header.get("run_id")):
            if not journal.committed:
                journal.commit()
            retire(layout, journal)
            continue
        try:
            journal.undo()
        except OSError as error:
            problems.append(f"could not undo interrupted {name!r} from {directory}: {error}")
            continue
        message = "interrupted: the process stopped mid-migration; its changes were undone"
        store.log(state, {
            "event": "failed", "name": name, "interrupted": True,
            "fingerprint": header.get("fingerprint"),
            "distribution_version": header.get("distribution_version"),
            "entry": history_entry(name, str(header.get("version", "")),
                                   str(header.get("migration_type", "")), False, message),
        })
        journal.discard()
        outcomes.append(MigrationOutcome(
            name=name, distribution=header.get("distribution"),
            migration_type=str(header.get("migration_type", "")),
            status=Status.INTERRUPTED, reason=message,
        ))
    remove_if_empty(layout.journal_dir)
    return outcomes, problems
