"""The pack's plugin: what its `kuzu_memory.migrations` entry point names."""

from __future__ import annotations

from collections.abc import Sequence

from kuzu_memory_migrations import Migration, hookimpl

from .move import LadybugMoveMigration
from .vector_index import LadybugVectorIndexMigration

MIGRATIONS: tuple[type[Migration], ...] = (LadybugMoveMigration, LadybugVectorIndexMigration)


@hookimpl
def register_migrations() -> Sequence[type[Migration]]:
    """The move to LadybugDB (opt-in) and the vector index it may leave to be built."""
    return list(MIGRATIONS)
