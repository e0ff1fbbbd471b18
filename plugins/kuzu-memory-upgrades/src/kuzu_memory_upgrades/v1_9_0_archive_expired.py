"""archive_expired_v1.9.0: memories 1.12 would purge are archived first, restorably.

Why: kuzu-memory 1.6 gives every episodic memory `valid_to = created_at + 30 days` and only
hides it from recall once that has passed. 1.12.11 deletes such rows on every database open
(`storage/kuzu_adapter.py` `_run_data_maintenance`) and in its built-in
`data_maintenance_v1.9.0`, so a project used for more than a month loses every older
memory at the first 1.12.11 command. Before that can happen, this migration moves each row
1.12.11 would purge (its own rule: `valid_to IS NOT NULL AND valid_to < now`) into
`ArchivedMemory`, in the shape 1.12.11's own pruning writes (`core/smart_pruning.py`): id
`archive-<memory id>-<unix time>`, `original_id`, `archived_at` now (UTC), `expires_at` 30
days later, `prune_score` 1.12.11's retention score, `prune_reason`
`Expired (valid_to=YYYY-MM-DD HH:MM:SS)`, and the content, type, hash and scores of the row.

What ArchivedMemory has no column for (valid_from/valid_to, access data, agent, user,
session, metadata, embedding) and every edge of the row (MENTIONS, RELATES_TO,
BELONGS_TO_SESSION, ... with their properties) is recorded per archive id in
`.kuzu-memory/archived_memories.json`; the row is then removed with DETACH DELETE (1.12.11's
plain DELETE fails on any edge). `kuzu-memory-archive restore` puts a row back with its id,
data and edges. Also, every remaining row whose `valid_from` is NULL (all of 1.6's) gets
`valid_from = created_at`, as 1.12 writes it: 1.12's model computes `valid_from + retention`
for a row without `valid_to`, and fails on NULL.

A project that wants its expired memories active instead sets, in `.kuzu-memory/config.yaml`,
`kuzu_memory_upgrades: {expired_memories: keep}`: their `valid_to` is cleared (1.12.11
never purges a NULL `valid_to`), nothing is archived. The default is `archive`.

legacy_names: none. The purge is part of 1.12.11's `data_maintenance_v1.9.0`, whose name
`content_hash_backfill_v1.9.0` writes (that migration runs first; this one depends on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from kuzu_memory_migrations import ConfigFileError, ConfigFiles, DataMigration, MigrationResult

from . import _archive as archive
from ._layout import MEMORY_DIR
from ._schema import UpgradeDatabase
from ._wording import tense

CONFIG_FILE = f"{MEMORY_DIR}/config.yaml"
SETTING = ("kuzu_memory_upgrades", "expired_memories")
CHOICES = ("archive", "keep")

COUNT_EXPIRED = f"MATCH (m:Memory) WHERE {archive.EXPIRED} RETURN count(m) AS n"
COUNT_NO_VALID_FROM = "MATCH (m:Memory) WHERE m.valid_from IS NULL RETURN count(m) AS n"
COUNT_NO_VALID_FROM_LEFT = (
    f"MATCH (m:Memory) WHERE m.valid_from IS NULL AND NOT ({archive.EXPIRED}) RETURN count(m) AS n"
)
PAGE_EXPIRED = (
    f"MATCH (m:Memory) WHERE m.id > $after AND {archive.EXPIRED} "
    "RETURN m.id AS id, m AS m ORDER BY m.id LIMIT $limit"
)
KEEP_EXPIRED = f"MATCH (m:Memory) WHERE {archive.EXPIRED} SET m.valid_to = NULL"
FILL_VALID_FROM = (
    "MATCH (m:Memory) WHERE m.valid_from IS NULL SET m.valid_from = coalesce(m.created_at, $now)"
)


class ArchiveExpiredMigration(ConfigFiles, UpgradeDatabase, DataMigration):
    """Archive memories past valid_to (1.12.11 deletes them) restorably; fill valid_from."""

    name = "archive_expired_v1.9.0"
    from_version = "1.9.0"
    priority = 75
    depends_on: ClassVar[tuple[str, ...]] = (
        "database_location_v1.6.39",
        "schema_columns_v1.8.1",  # ArchivedMemory's and Memory's 1.12 columns
        "schema_tables_v1.12.11",  # creates ArchivedMemory
        "content_hash_backfill_v1.9.0",  # the hash travels into the archive
    )
    legacy_names: ClassVar[tuple[str, ...]] = ()

    def description(self) -> str:
        return (
            "Move memories past their valid_to (which kuzu-memory 1.12 deletes) into "
            "ArchivedMemory, restorably; set valid_from where it is NULL"
        )

    # -- what there is to do -------------------------------------------------------------

    def _counts(self) -> tuple[int, int]:
        """(rows 1.12.11 would purge now, rows without valid_from)."""
        if "Memory" not in self.tables():
            return 0, 0
        now = {"now": archive.purge_time()}
        expired = int(self.query(COUNT_EXPIRED, now)[0]["n"])
        return expired, int(self.query(COUNT_NO_VALID_FROM)[0]["n"])

    def has_work(self) -> bool:
        return any(self._counts())

    def choice(self) -> str:
        """`archive` (default) or `keep`, from .kuzu-memory/config.yaml."""
        config = self.load_config(CONFIG_FILE)  # `{}` without one
        section = config.get(SETTING[0])
        value = section.get(SETTING[1], CHOICES[0]) if isinstance(section, Mapping) else None
        if value is None:
            return CHOICES[0]
        if value not in CHOICES:
            raise ConfigFileError(
                f"{self.path(CONFIG_FILE)}: {'.'.join(SETTING)} is {value!r}; "
                f"expected one of {', '.join(CHOICES)}"
            )
        return str(value)

    # -- the work ------------------------------------------------------------------------

    def migrate(self) -> MigrationResult:
        choice = self.choice()
        expired, missing_from = self._counts()
        if choice == "archive" and expired:  # the archived rows leave Memory first
            now = {"now": archive.purge_time()}
            missing_from = int(self.query(COUNT_NO_VALID_FROM_LEFT, now)[0]["n"])
        changes: list[str] = []
        if choice == "keep":
            if expired:
                self.execute_cypher(KEEP_EXPIRED, {"now": archive.purge_time()})
                changes.append(
                    f"Cleared valid_to on {expired} expired memory(ies) "
                    f"({'.'.join(SETTING)}: keep), so kuzu-memory 1.12 keeps them active"
                )
            summary = f"{tense(self, 'Kept', 'Would keep')} {expired} expired memory(ies) active"
        else:
            archived, edges = self._archive(expired) if expired else (0, 0)
            if archived:
                changes.append(
                    f"Archived {archived} expired memory(ies) into ArchivedMemory, "
                    f"{edges} edge(s) recorded in {archive.DETAILS_FILE}"
                )
            summary = (
                f"{tense(self, 'Archived', 'Would archive')} {archived} expired memory(ies)"
                if archived
                else "No memory past its valid_to"
            )
        if missing_from:
            self.execute_cypher(FILL_VALID_FROM, {"now": archive.purge_time()})
            changes.append(f"Set valid_from = created_at on {missing_from} memory(ies)")
        return MigrationResult(
            success=True,
            message=f"{summary}; {tense(self, 'set', 'would set')} valid_from on {missing_from}",
            changes=changes,
        )

    def _archive(self, total: int) -> tuple[int, int]:
        """Archive every row past valid_to, batch by batch; (rows, edges) archived."""
        run = self.query  # reads: also in a dry run

        def execute(cypher: str, parameters: dict[str, Any] | None) -> list[dict[str, Any]]:
            return run(cypher, parameters)

        tables = self.tables()
        columns = archive.archived_columns(execute, tables)
        connections = archive.memory_connections(execute)
        insert = archive.insert_archived(columns)
        archived_at = archive.now_utc()
        details: dict[str, Any] = archive.empty_details()
        if self.exists(archive.DETAILS_FILE):
            details["archives"] = archive.details_entries(self.read_json(archive.DETAILS_FILE))
        archived = edges = 0
        pages = self.iter_batches(
            PAGE_EXPIRED,
            {"now": archive.purge_time()},
            label="archiving expired memories",
            total=total,
        )
        for page in pages:
            memories = [archive.properties(row["m"]) for row in page]
            ids = [str(memory["id"]) for memory in memories]
            batch = archive.archive_batch(
                memories, archive.edges_of(execute, connections, ids), columns, archived_at
            )
            self.execute_cypher(insert, {"rows": batch.rows})
            self.execute_cypher(archive.REMOVE_MEMORIES, {"ids": batch.ids})
            details["archives"].update(batch.details)
            archived += len(batch.rows)
            edges += batch.edge_count
        if archived:
            self.write_json(archive.DETAILS_FILE, details)
        return archived, edges
