"""schema_tables_v1.12.11: the tables 1.12 has and 1.6 lacks, and RELATES_TO.weight.

Why: 1.12 keeps keywords (Keyword, HAS_KEYWORD), archives pruned memories (ArchivedMemory),
records consolidation (CONSOLIDATED_INTO) and weighs relations (RELATES_TO.weight). On a 1.6
database it warns "Table ArchivedMemory does not exist" and skips that work; creating them
with 1.12's own DDL gives the database exactly 1.12's tables.

legacy_names: none; 1.12.11 creates these tables in its adapter, not in a migration.
"""

from __future__ import annotations

from kuzu_memory_migrations import MigrationResult, SchemaMigration

from ._schema import NEW_TABLES, RELATES_TO_COLUMNS, UpgradeDatabase
from ._wording import tense


class SchemaTablesMigration(UpgradeDatabase, SchemaMigration):
    """Create Keyword, HAS_KEYWORD, ArchivedMemory, CONSOLIDATED_INTO; add RELATES_TO.weight."""

    name = "schema_tables_v1.12.11"
    from_version = "1.12.11"
    priority = 65

    def statements(self) -> list[str]:
        tables = set(self.tables())
        needed = [ddl for table, ddl in NEW_TABLES if table not in tables]
        if "RELATES_TO" in tables:
            present = set(self.table_columns("RELATES_TO"))
            needed += [
                f"ALTER TABLE RELATES_TO ADD {column} {declaration}"
                for column, declaration in RELATES_TO_COLUMNS
                if column not in present
            ]
        return needed

    def has_work(self) -> bool:
        return bool(self.statements())

    def migrate(self) -> MigrationResult:
        statements = self.statements()
        for statement in statements:
            self.execute_cypher(statement)
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Brought', 'Would bring')} {len(statements)}"
            " table(s)/column(s) to the 1.12 schema",
            changes=statements,
        )
