"""What kuzu-memory 1.12.11's database holds, as data the schema migrations compare against.

Verbatim from 1.12.11's `kuzu_memory/storage/schema.py` plus the two ArchivedMemory columns
its adapter adds on every open (docs/reference/kuzu-memory-facts.md, section 2).
"""

from __future__ import annotations

from typing import ClassVar

from kuzu_memory_migrations import DatabaseWork, MigrationResult, SchemaMigration

from ._layout import NEW_DATABASE
from ._wording import tense

Column = tuple[str, str]
"""(name, declaration: type and default as `ALTER TABLE ... ADD` takes them)."""

MEMORY_COLUMNS: tuple[Column, ...] = (
    ("id", "STRING"),
    ("content", "STRING"),
    ("content_hash", "STRING"),
    ("created_at", "TIMESTAMP"),
    ("valid_from", "TIMESTAMP"),
    ("valid_to", "TIMESTAMP"),
    ("accessed_at", "TIMESTAMP"),
    ("access_count", "INT32 DEFAULT 0"),
    ("memory_type", "STRING"),
    ("knowledge_type", "STRING DEFAULT 'note'"),
    ("project_tag", "STRING DEFAULT ''"),
    ("importance", "FLOAT DEFAULT 0.5"),
    ("confidence", "FLOAT DEFAULT 1.0"),
    ("source_type", "STRING DEFAULT 'conversation'"),
    ("agent_id", "STRING DEFAULT 'default'"),
    ("user_id", "STRING"),
    ("session_id", "STRING"),
    ("metadata", "STRING DEFAULT '{}'"),
    ("embedding", "FLOAT[384]"),
    ("source_speaker", "STRING DEFAULT 'user'"),
)

ARCHIVED_MEMORY_COLUMNS: tuple[Column, ...] = (
    ("id", "STRING"),
    ("original_id", "STRING"),
    ("content", "STRING"),
    ("memory_type", "STRING"),
    ("knowledge_type", "STRING DEFAULT 'note'"),
    ("project_tag", "STRING DEFAULT ''"),
    ("source_type", "STRING"),
    ("importance", "FLOAT"),
    ("created_at", "TIMESTAMP"),
    ("archived_at", "TIMESTAMP"),
    ("prune_score", "FLOAT"),
    ("prune_reason", "STRING"),
    ("expires_at", "TIMESTAMP"),
    ("content_hash", "STRING DEFAULT ''"),
    ("confidence", "FLOAT DEFAULT 1.0"),
)

RELATES_TO_COLUMNS: tuple[Column, ...] = (
    ("relationship_type", "STRING"),
    ("strength", "FLOAT DEFAULT 1.0"),
    ("weight", "FLOAT DEFAULT 1.0"),
    ("created_at", "TIMESTAMP"),
)

NEW_TABLES: tuple[tuple[str, str], ...] = (
    (
        "CONSOLIDATED_INTO",
        "CREATE REL TABLE IF NOT EXISTS CONSOLIDATED_INTO (FROM Memory TO Memory, "
        "consolidation_date TIMESTAMP, cluster_id STRING, similarity_score FLOAT)",
    ),
    (
        "Keyword",
        "CREATE NODE TABLE IF NOT EXISTS Keyword (word STRING, idf FLOAT DEFAULT 0.0, "
        "total_mentions INT64 DEFAULT 0, PRIMARY KEY (word))",
    ),
    (
        "HAS_KEYWORD",
        "CREATE REL TABLE IF NOT EXISTS HAS_KEYWORD (FROM Memory TO Keyword, "
        "tf FLOAT DEFAULT 0.0, tfidf FLOAT DEFAULT 0.0)",
    ),
    (
        "ArchivedMemory",
        "CREATE NODE TABLE IF NOT EXISTS ArchivedMemory ("
        + ", ".join(
            f"{name} {declaration}" + (" PRIMARY KEY" if name == "id" else "")
            for name, declaration in ARCHIVED_MEMORY_COLUMNS
        )
        + ")",
    ),
)
"""Tables 1.12 has and 1.6 lacks, in creation order (a rel table after its node tables).
ArchivedMemory gets the two columns 1.12 adds after creating it, at the end, as there."""

VECTOR_INDEX = "memory_hnsw_idx"


class UpgradeDatabase(DatabaseWork):
    """Database work on `.kuzu-memory/memories.db`, after `database_location_v1.6.39` moved it.

    A helper mixin, typed by the base it is combined with (schema or data). A database held
    open by another process defers the migration, from its check onwards.
    """

    depends_on: ClassVar[tuple[str, ...]] = ("database_location_v1.6.39",)

    def check_applicable(self) -> bool:
        if not self.exists(NEW_DATABASE):
            return False
        return self.has_work()  # a database held open elsewhere defers the migration

    def has_work(self) -> bool:
        raise NotImplementedError


class AddColumnsMigration(UpgradeDatabase, SchemaMigration):
    """Add the columns of `columns` that an existing table lacks, each with its default.

    Never drops: on Memory, which carries an HNSW index, a DROP corrupts the database. Undo
    is the transaction's rollback.
    """

    columns: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    """(table, column, declaration) this migration is responsible for."""

    def missing(self) -> list[tuple[str, str, str]]:
        """The (table, column, declaration) of `columns` still missing, in declaration order."""
        found: list[tuple[str, str, str]] = []
        present: dict[str, set[str]] = {}
        tables = set(self.tables())
        for table, column, declaration in self.columns:
            if table not in tables:
                continue
            if table not in present:
                present[table] = set(self.table_columns(table))
            if column not in present[table]:
                found.append((table, column, declaration))
        return found

    def has_work(self) -> bool:
        return bool(self.missing())

    def migrate(self) -> MigrationResult:
        statements = [f"ALTER TABLE {t} ADD {c} {d}" for t, c, d in self.missing()]
        for statement in statements:
            self.execute_cypher(statement)
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Added', 'Would add')} {len(statements)} column(s)"
            " with their defaults",
            changes=statements,
        )


__all__ = [
    "ARCHIVED_MEMORY_COLUMNS",
    "MEMORY_COLUMNS",
    "NEW_TABLES",
    "RELATES_TO_COLUMNS",
    "VECTOR_INDEX",
    "AddColumnsMigration",
    "UpgradeDatabase",
]
