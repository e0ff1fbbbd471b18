"""content_hash_backfill_v1.9.0: every memory gets the `content_hash` 1.12 gives new ones.

Why: 1.12 de-duplicates on `content_hash`, and 1.6 never wrote it (every 1.6 row is NULL).
The hash is 1.12's own for new rows, sha256 of the lower-cased, stripped content, so an old
memory and the same text stored again are recognised as one. (1.12's built-in
`data_maintenance_v1.9.0` hashes the raw content, which never matches, and also purges
memories past their `valid_to`: this back-fill deletes nothing.)

legacy_names: `data_maintenance_v1.9.0`, so 1.12.11's built-in manager never runs its own
version after this (it would hash raw content and purge expired rows; `archive_expired_v1.9.0`
archives those first). 1.12.11's adapter still runs the same maintenance at every database
open, which then finds nothing to purge.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from kuzu_memory_migrations import DataMigration, MigrationResult

from ._schema import UpgradeDatabase
from ._wording import tense

_MISSING = "(m.content_hash IS NULL OR m.content_hash = '') AND m.content IS NOT NULL"
COUNT = f"MATCH (m:Memory) WHERE {_MISSING} RETURN count(m) AS n"


def content_hash(content: str) -> str:
    """What kuzu-memory 1.12.11 stores for a new memory's content."""
    return hashlib.sha256(content.lower().strip().encode("utf-8")).hexdigest()


class ContentHashBackfillMigration(UpgradeDatabase, DataMigration):
    """Back-fill content_hash = sha256(lower(strip(content))) where it is NULL or ''."""

    name = "content_hash_backfill_v1.9.0"
    from_version = "1.9.0"
    priority = 70
    legacy_names: ClassVar[tuple[str, ...]] = ("data_maintenance_v1.9.0",)

    def _missing_count(self) -> int:
        if "Memory" not in self.tables():
            return 0
        return int(self.query(COUNT)[0]["n"])

    def has_work(self) -> bool:
        return self._missing_count() > 0

    def migrate(self) -> MigrationResult:
        filled = 0
        # Read and written by storage offset (`iter_nodes`, `update_nodes`): each batch
        # costs the same however many memories there are; a write matched by id would scan
        # the table for every batch.
        batches = self.iter_nodes(
            "Memory", ["content"], where=_MISSING, label="content_hash back-fill"
        )
        for batch in batches:
            for row in batch:
                row["content_hash"] = content_hash(str(row["content"]))
            filled += self.update_nodes("Memory", batch, ["content_hash"])
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Back-filled', 'Would back-fill')} {filled}"
            " content_hash value(s)",
            changes=[
                f"Back-filled {filled} content_hash value(s) with sha256(lower(strip(content)))"
            ],
        )
