"""Schema migrations on a real Kuzu database, in a transaction and from a file snapshot.

With `KMM_DB_FAIL` set, each fails after its database work, so the tests see it undone.
"""

from __future__ import annotations

import os

from kuzu_memory_migrations import Migration, MigrationResult, SchemaMigration, hookimpl


def _outcome(what: str) -> MigrationResult:
    if os.environ.get("KMM_DB_FAIL"):
        raise RuntimeError(f"{what}: failing on purpose after the database work")
    return MigrationResult(success=True, message=what)


class InTransaction(SchemaMigration):
    name = "rel_schema_transaction"

    def migrate(self) -> MigrationResult:
        self.execute_cypher("ALTER TABLE Memory ADD rel_flag STRING DEFAULT 'new'")
        self.execute_cypher("MATCH (m:Memory) SET m.rel_flag = 'set'")
        return _outcome("column added in a transaction")


class FromSnapshot(SchemaMigration):
    name = "rel_schema_snapshot"
    database_mode = "snapshot"
    priority = 200  # after the transaction: its rollback must keep the transaction's work

    def migrate(self) -> MigrationResult:
        self.execute_cypher("CREATE NODE TABLE RelNote (id STRING PRIMARY KEY, text STRING)")
        self.execute_cypher("CREATE (:RelNote {id: 'a', text: 'note'})")
        return _outcome("table added from a snapshot")


class LaterSnapshot(SchemaMigration):
    name = "rel_schema_snapshot_later"
    database_mode = "snapshot"
    priority = 300

    def migrate(self) -> MigrationResult:
        self.execute_cypher("CREATE NODE TABLE RelLater (id STRING PRIMARY KEY)")
        return _outcome("another table added from a snapshot")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [InTransaction, FromSnapshot, LaterSnapshot]
