"""Recovery: before a run changes anything, every journal a crash left is settled.

See `protocol` for how one journal is settled. A journal that cannot be settled now (it
cannot be read, its undo fails, its database is held open and cannot be checked) stops
the run before any migration: nothing may be applied over a half-undone project.
"""

from __future__ import annotations

import shutil

from ..contract.reports import MigrationOutcome, Status
from .atomic import remove_stray_temps
from .errors import JournalError
from .journal import DISCARDED, Journal
from .layout import ProjectLayout
from .protocol import Fate, pending_journals, settle
from .records import Failed, Records, history_entry

INTERRUPTED = "interrupted: the process stopped mid-migration; its changes were undone"


def recover(layout: ProjectLayout, records: Records) -> list[MigrationOutcome]:
    """Settle every journal left on disk, oldest first; returns the migrations undone.

    Raises JournalError, UndoFailed or DatabaseBusy when a journal cannot be settled now.
    """
    for own in (layout.state_file, layout.lock_owner_file, layout.idle_stamp, layout.gitignore):
        remove_stray_temps(own)
    outcomes: list[MigrationOutcome] = []
    for directory in pending_journals(layout):
        if directory.name.endswith(DISCARDED):
            shutil.rmtree(directory, ignore_errors=True)  # a deletion a crash cut short
            continue
        try:
            journal = Journal.load(directory)
        except JournalError as error:
            raise JournalError(f"{error}; fix or remove it by hand, then run again") from None
        header = journal.header
        failed = Failed(
            history_entry(
                journal.migration,
                str(header.get("version", "")),
                str(header.get("migration_type", "")),
                False,
                INTERRUPTED,
            ),
            header.get("fingerprint"),
            header.get("distribution_version"),
            interrupted=True,
            journal=journal.id,
        )
        if settle(layout, records, journal, undone=failed) is Fate.UNDONE:
            outcomes.append(
                MigrationOutcome(
                    name=journal.migration,
                    distribution=header.get("distribution"),
                    migration_type=str(header.get("migration_type", "")),
                    status=Status.INTERRUPTED,
                    reason=INTERRUPTED,
                )
            )
        elif not journal.started:
            journal.discard()
    if layout.journal_dir.is_dir() and not any(layout.journal_dir.iterdir()):
        layout.journal_dir.rmdir()
    return outcomes


def unfinished(layout: ProjectLayout) -> list[str]:
    """Migrations a crash left half-applied, for `status` and `plan` (which change nothing)."""
    names = []
    for directory in pending_journals(layout):
        if directory.name.endswith(DISCARDED):
            continue
        try:
            journal = Journal.load(directory)
        except JournalError:
            names.append(directory.name)
            continue
        if journal.started:
            names.append(journal.migration)
    return names
