"""Messages that say what a run did, or in a dry run what it would do."""

from __future__ import annotations

from kuzu_memory_migrations import Migration


def tense(migration: Migration, done: str, would: str) -> str:
    """`would` in a dry run, where nothing is changed; `done` otherwise."""
    return would if migration.context.dry_run else done
