"""kuzu-memory-upgrades with two migrations that fail halfway through their own work.

Loaded instead of the pack's plugin (same names): proves that a failure in the middle of a
move, or between two batches of a data migration, leaves nothing half-applied.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kuzu_memory_migrations import Migration, hookimpl
from kuzu_memory_upgrades.plugin import MIGRATIONS
from kuzu_memory_upgrades.v1_6_39_database_location import DatabaseLocationMigration
from kuzu_memory_upgrades.v1_9_0_content_hash_backfill import ContentHashBackfillMigration


class MidwayFailure(RuntimeError):
    pass


class FailingMove(DatabaseLocationMigration):
    """Fails after the database and one companion file moved, before the config changes."""

    def move_file(self, src: Path | str, dst: Path | str, backup: bool = True) -> bool:
        moved = super().move_file(src, dst, backup)
        if Path(src).name == "README.md":
            raise MidwayFailure("disk full while moving the database's files")
        return moved


class FailingBackfill(ContentHashBackfillMigration):
    """Writes one batch of one row, then fails on the second."""

    batch_size = 1

    def iter_nodes(self, *args: Any, **kwargs: Any) -> Iterator[list[dict[str, Any]]]:
        for number, batch in enumerate(super().iter_nodes(*args, **kwargs)):
            if number == 1:
                raise MidwayFailure("connection lost after the first batch")
            yield batch


@hookimpl
def register_migrations() -> Sequence[type[Migration]]:
    replaced: dict[type[Migration], type[Migration]] = {
        DatabaseLocationMigration: FailingMove,
        ContentHashBackfillMigration: FailingBackfill,
    }
    return [replaced.get(cls, cls) for cls in MIGRATIONS]
