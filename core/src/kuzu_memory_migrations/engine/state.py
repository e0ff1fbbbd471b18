"""A project's migration state: the framework's records, kept in step with the legacy file.

Every command reads the records through here, so what kuzu-memory's built-in system wrote
into `migration_state.json` since (its own entries, a rewrite) is always taken into
account: for real by commands that change the project (under the project's lock), in a
copy in memory by those that only look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from . import legacy
from .layout import ProjectLayout
from .records import Records


def read_records(layout: ProjectLayout) -> Records:
    """The records as they stand, the legacy file's news included; nothing is written."""
    records = Records.open(layout.records, create=False)
    events = legacy.changes_since(records, layout.state_file)
    if not events:
        return records
    try:
        return records.with_events(events)
    finally:
        records.close()


@contextmanager
def writable_records(layout: ProjectLayout) -> Iterator[Records]:
    """The records, brought up to date with the legacy file; the caller holds the lock."""
    layout.ensure_work_dir()
    records = Records.open(layout.records, create=True)
    try:
        if events := legacy.changes_since(records, layout.state_file):
            records.record(*events)
        yield records
    finally:
        records.close()


def write_legacy(
    records: Records, layout: ProjectLayout, before_change: Callable[[], None] = lambda: None
) -> None:
    """Mirror the records into migration_state.json (only where they differ)."""
    legacy.write(records, layout.state_file, before_change)
