"""Changing the history by hand: stamp (applied without running), forget, repair (accept code).

Every change is an event of the state log, written under the project lock and folded into
the state file at once, so it is atomic and the start-up fast path sees the new state.
"""

from __future__ import annotations

import difflib
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from packaging.version import InvalidVersion, Version

from .audit import drift_of
from .catalog import CatalogEntry
from .fingerprint import code_fingerprint, source_file
from .locking import project_lock
from .project import Project
from .state import MigrationState, history_entry, now_iso

STAMP_MESSAGE = "stamped: recorded as applied without running (kuzu-memory-migrations stamp)"

Events = Callable[[MigrationState], list[dict[str, Any]]]


class UnknownName(Exception):
    """A name matches nothing; the message suggests close names."""


def require_known(kind: str, names: Iterable[str], known: Iterable[str]) -> None:
    """Raise UnknownName for the first name not in `known`, with the closest matches."""
    choices = sorted(set(known))
    for name in names:
        if name not in choices:
            close = difflib.get_close_matches(name, choices, n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise UnknownName(f"unknown {kind} {name!r}{hint}")


def change_state(
    project: Project, events: Events, *, dry_run: bool, lock_wait: float = 30.0
) -> list[dict[str, Any]]:
    """Decide the events on the current state and (unless a dry run) record them.

    Deciding happens under the lock, so a concurrent run cannot make the decision stale.
    """
    if dry_run:
        return events(project.store.load())
    with project_lock(project.layout, wait=lock_wait):
        state = project.store.load()
        decided = events(state)
        for event in decided:
            project.store.log(state, event)
        if decided:
            project.store.save(state)
    return decided


def pack_entries(project: Project, pack: str, up_to: str | None) -> list[CatalogEntry]:
    """A pack's migrations (by distribution or entry-point name), those of `up_to` or older.

    A migration belongs to a release when that release is at least its `from_version`.
    """
    entries = project.catalog.entries.values()
    require_known(
        "pack",
        [pack],
        [e.plugin.name for e in entries] + [e.distribution for e in entries if e.distribution],
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


def stamp_events(project: Project, entries: list[CatalogEntry]) -> Events:
    """`applied` events with provenance how='stamp', for those not applied yet."""
    run_id = f"stamp-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    ordered = sorted(entries, key=lambda e: e.spec.sort_key)

    def events(state: MigrationState) -> list[dict[str, Any]]:
        applied = state.applied_names()
        return [
            {
                "event": "applied",
                "name": e.name,
                "entry": history_entry(
                    e.name, e.spec.from_version, e.spec.migration_type.value, True, STAMP_MESSAGE
                ),
                "provenance": {
                    "distribution": e.distribution,
                    "distribution_version": e.plugin.version,
                    "fingerprint": code_fingerprint(e.cls),
                    "source_file": source_file(e.cls),
                    "how": "stamp",
                    "run_id": run_id,
                    "applied_at": now_iso(),
                    "duration_ms": None,
                },
            }
            for e in ordered
            if not project.is_applied(e.name, applied)
        ]

    return events


def recorded_names(state: MigrationState) -> set[str]:
    """Every name the history knows: applied, failed or interrupted."""
    return (
        {e.name for e in state.history}
        | set(state.framework.applied)
        | set(state.framework.failures)
    )


def forget_events(names: list[str]) -> Events:
    def events(state: MigrationState) -> list[dict[str, Any]]:
        known = recorded_names(state)
        return [{"event": "forgotten", "name": n} for n in names if n in known]

    return events


def repair_events(project: Project, names: list[str] | None) -> Events:
    """Accept the current code of drifted migrations (all of them when `names` is None)."""

    def events(state: MigrationState) -> list[dict[str, Any]]:
        chosen = sorted(state.framework.applied) if names is None else names
        found = (drift_of(project, state, name) for name in chosen)
        return [
            {
                "event": "reference",
                "name": d.name,
                "fingerprint": d.current,
                "previous": d.recorded,
                "at": now_iso(),
            }
            for d in found
            if d is not None
        ]

    return events
