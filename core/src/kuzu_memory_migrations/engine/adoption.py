"""Changing the history by hand: stamp (applied without running), forget, repair (accept code).

Each command decides its events on the current records, under the project lock, and
records them in one transaction; the legacy file follows, and the fast path's stamp goes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from packaging.version import InvalidVersion, Version

from . import fastpath
from .audit import drift_of
from .catalog import CatalogEntry
from .errors import UnknownName
from .fingerprint import code_fingerprint, source_file
from .locking import project_lock
from .project import Project
from .records import (
    Applied,
    Event,
    Forgotten,
    Provenance,
    Records,
    ReferenceAccepted,
    history_entry,
    new_run_id,
)
from .rollback import require_known
from .state import read_records, writable_records, write_legacy

STAMP_MESSAGE = "stamped: recorded as applied without running (kuzu-memory-migrations stamp)"

E = TypeVar("E", bound=Event)
Decide = Callable[[Records], list[E]]


def change_records(
    project: Project, decide: Decide[E], *, dry_run: bool, lock_wait: float = 30.0
) -> list[E]:
    """Decide the events on the current records and (unless a dry run) record them.

    Deciding happens under the lock, so a concurrent run cannot make the decision stale.
    """
    if dry_run:
        records = read_records(project.layout)
        try:
            return decide(records)
        finally:
            records.close()
    with project_lock(project.layout, wait=lock_wait), writable_records(project.layout) as records:
        decided = decide(records)
        if decided:
            fastpath.clear_stamp(project.layout)
            records.record(*decided)
            write_legacy(records, project.layout)
        return decided


def pack_entries(project: Project, pack: str, up_to: str | None) -> list[CatalogEntry]:
    """A pack's migrations (by distribution or entry-point name), those of `up_to` or older.

    A migration belongs to a release when that release is at least its `from_version`.
    """
    entries = project.catalog.entries.values()
    require_known(
        "pack",
        [pack],
        sorted(
            {e.plugin.name for e in entries} | {e.distribution for e in entries if e.distribution}
        ),
    )
    limit = Version(up_to) if up_to else None
    return [
        e
        for e in entries
        if pack in {e.distribution, e.plugin.name}
        and (limit is None or Version(e.spec.from_version) <= limit)
    ]


def parse_version(text: str) -> str:
    try:
        Version(text)
    except InvalidVersion:
        raise UnknownName(f"{text!r} is not a PEP 440 version") from None
    return text


def stamp_events(project: Project, entries: list[CatalogEntry]) -> Decide[Applied]:
    """`Applied` events with provenance how='stamp', for those not applied yet."""
    run_id = new_run_id("stamp-")
    ordered = sorted(entries, key=lambda e: e.spec.sort_key)

    def decide(records: Records) -> list[Applied]:
        applied = records.applied_among(project.names_that_count(e.name for e in ordered))
        return [
            Applied(
                history_entry(
                    e.name, e.spec.from_version, e.spec.migration_type.value, True, STAMP_MESSAGE
                ),
                Provenance(
                    distribution=e.distribution,
                    distribution_version=e.plugin.version,
                    fingerprint=code_fingerprint(e.cls),
                    source_file=source_file(e.cls),
                    how="stamp",
                    run_id=run_id,
                ),
                e.spec.legacy_names,
            )
            for e in ordered
            if not project.is_applied(e.name, applied)
        ]

    return decide


def recorded_names(records: Records) -> list[str]:
    """Every name the history knows: applied, failed, interrupted or rolled back."""
    return sorted({row.entry.name for row in records.history()})


def forget_events(names: list[str]) -> Decide[Forgotten]:
    def decide(records: Records) -> list[Forgotten]:
        known = set(recorded_names(records))
        return [Forgotten(name) for name in names if name in known]

    return decide


def repair_events(project: Project, names: list[str] | None) -> Decide[ReferenceAccepted]:
    """Accept the current code of drifted migrations (all of them when `names` is None)."""

    def decide(records: Records) -> list[ReferenceAccepted]:
        chosen = sorted(records.applied_among(project.catalog.entries)) if names is None else names
        provenance = records.provenance(chosen)
        references = records.references(chosen)
        found = (
            drift_of(project, name, provenance.get(name), references.get(name)) for name in chosen
        )
        return [ReferenceAccepted(d.name, d.current) for d in found if d is not None]

    return decide
