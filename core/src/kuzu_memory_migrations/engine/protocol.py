"""The commit protocol: the durable steps of one migration's application, and how a journal
found on disk is settled, whatever step a crash (or a failure) stopped it at.

    1 intent      the journal folder and its `begin` record, at the first change
    2 changes     each change journaled (copy fsynced, then record) before it is made;
                  database work: a `database` record, then statements in a transaction
                  (or, in snapshot mode, after copies of the database files)
    3 result      what the migration returned, recorded in the journal
    4 db commit   transaction mode: the marker row `_kmm_applied(journal)` and COMMIT,
                  in one engine transaction: "applied", as far as the database goes
    5 applied     the records: history entry and provenance, one SQLite transaction:
                  "applied", as far as the framework goes (the commit point without a
                  database transaction)
    6 retired     the journal's `after` record, then it moves to the backups

Settling a journal (the next run's recovery, and the failure path of this run, alike):

- the records hold it (stopped after 5): it is retired; nothing is undone or re-applied;
- its result is recorded and its database holds the marker (stopped between 4 and 5): it
  is recorded as applied from the journal, then retired;
- otherwise (stopped before 4, or before 5 without a database transaction): every change
  is undone; a failed undo keeps the journal and stops the run (`UndoFailed`); a good one
  records the failure (or nothing, for a deferral or a Ctrl-C) and deletes the journal.

docs/reliability.md has the crash table; tests/reliability/test_crash_points.py kills a
run at every durable step and checks each effect happened exactly once.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from enum import Enum
from pathlib import Path

from .database import DatabaseSession, committed
from .errors import JournalError, UndoFailed
from .journal import Journal
from .layout import ProjectLayout
from .records import (
    Applied,
    Failed,
    HistoryEntry,
    Provenance,
    Records,
    RolledBack,
    history_entry,
    new_run_id,
)
from .state import write_legacy

ROLLED_BACK_MESSAGE = "rolled back (kuzu-memory-migrations rollback)"
KEPT_BACKUPS = 20
"""Retired journals kept, newest first, so recent migrations can be rolled back."""


class Fate(Enum):
    APPLIED = "applied"
    UNDONE = "undone"
    ROLLED_BACK = "rolled_back"  # `rollback NAME` was under way: finished
    UNTOUCHED = "untouched"  # the journal never started: nothing was changed


def new_journal(layout: ProjectLayout, name: str, **header: object) -> Journal:
    """The journal of one application; nothing exists on disk until its first record."""
    return Journal.create(
        layout.journal_dir / name, layout.external_dir(), project_root=str(layout.root), **header
    )


def retire(layout: ProjectLayout, journal: Journal) -> None:
    """Keep an applied journal among the backups, pruning the oldest past the limit."""
    if not journal.started:
        return
    journal.record_after()
    journal.move_to(layout.backups_dir)
    kept = sorted(layout.backups_dir.iterdir(), reverse=True)
    for old in kept[KEPT_BACKUPS:]:
        try:
            Journal.load(old).discard()
        except JournalError:
            shutil.rmtree(old, ignore_errors=True)


def commit(
    layout: ProjectLayout,
    records: Records,
    journal: Journal,
    applied: Applied,
    written: Sequence[DatabaseSession],
) -> None:
    """Steps 3 to 6 of a migration that succeeded: from here a crash leaves it applied
    (after 4 with a database transaction, after 5 without) or undone (before)."""
    if journal.started:  # step 3
        journal.record_result(
            {
                "entry": applied.entry.model_dump(mode="json"),
                "provenance": applied.provenance.model_dump(mode="json"),
                "aliases": list(applied.aliases),
            }
        )
    for session in written:  # step 4
        session.commit(journal.id, applied.entry.name)
        session.close()  # the database is free before the records are written
    records.record(applied)  # step 5
    if applied.aliases:
        write_legacy(records, layout)  # the host must see the names at once
    retire(layout, journal)  # step 6


def applied_from(journal: Journal) -> Applied:
    """The records of an application whose journal says what it returned (step 3)."""
    result = journal.result or {}
    entry = HistoryEntry.model_validate(result["entry"])
    provenance = Provenance.model_validate(result["provenance"])
    return Applied(entry, provenance, tuple(result.get("aliases", ())))


def settle(
    layout: ProjectLayout, records: Records, journal: Journal, *, undone: Failed | None
) -> Fate:
    """Finish a journal that did not reach its end (see the module's docstring).

    `undone` is what to record when its changes are undone (None records nothing).
    May raise DatabaseBusy (its database cannot be checked now) or UndoFailed.
    """
    if not journal.started:
        return Fate.UNTOUCHED
    if journal.rolling_back:
        undo(journal)
        if records.applied_among([journal.migration]):
            records.record(rolled_back(journal))
        journal.discard()
        return Fate.ROLLED_BACK
    if records.has_journal(journal.id):
        retire(layout, journal)
        return Fate.APPLIED
    if journal.result is not None and any(
        committed(path, journal.id) for path in journal.databases("transaction")
    ):
        records.record(applied_from(journal))
        retire(layout, journal)
        return Fate.APPLIED
    undo(journal)
    if undone is not None:
        records.record(undone)
    journal.discard()
    return Fate.UNDONE


def undo(journal: Journal) -> None:
    """Undo every change of the journal; UndoFailed (the journal kept) if any stays."""
    failures = journal.undo()
    if failures:
        raise UndoFailed(
            f"could not undo {journal.migration!r}: {'; '.join(failures)}. Its journal "
            f"{journal.directory} is kept; the next run tries the undo again before anything "
            "else (free the space or fix the permissions named above)"
        )


def rolled_back(journal: Journal) -> RolledBack:
    """The record of a rollback: `how: rollback`, by the run that did it."""
    header = journal.header
    entry = history_entry(
        journal.migration,
        str(header.get("version", "")),
        str(header.get("migration_type", "")),
        False,
        ROLLED_BACK_MESSAGE,
    )
    provenance = Provenance(
        distribution=header.get("distribution"),
        distribution_version=header.get("distribution_version"),
        fingerprint=header.get("fingerprint"),
        how="rollback",
        run_id=new_run_id("rollback-"),
        journal=journal.id,
    )
    return RolledBack(entry, provenance)


def pending_journals(layout: ProjectLayout) -> list[Path]:
    """Journals on disk that did not reach their end, oldest first."""
    if not layout.journal_dir.is_dir():
        return []
    return sorted(p for p in layout.journal_dir.iterdir() if p.is_dir())
