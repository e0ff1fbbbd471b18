"""A well-behaved pack: a config, a schema and a dependent data migration."""

from __future__ import annotations

from kuzu_memory_migrations import (
    ConfigMigration,
    DataMigration,
    Migration,
    MigrationResult,
    SchemaMigration,
    hookimpl,
)


class TidyConfig(ConfigMigration):
    """Add tidy.enabled to config.yaml."""

    name = "tidy_config"
    config_file = ".kuzu-memory/config.yaml"

    def check_applicable(self) -> bool:
        return super().check_applicable() and "tidy" not in self.load_config()

    def migrate(self) -> MigrationResult:
        config = self.load_config()
        config["tidy"] = {"enabled": True}
        self.save_config(config)
        return MigrationResult(success=True, message="tidy section added")


class TidyColumn(SchemaMigration):
    """Add Memory.tidy_score."""

    name = "tidy_column"

    def check_applicable(self) -> bool:
        return super().check_applicable() and "tidy_score" not in self.table_columns("Memory")

    def migrate(self) -> MigrationResult:
        self.execute_cypher("ALTER TABLE Memory ADD tidy_score DOUBLE DEFAULT -1.0")
        return MigrationResult(success=True, message="column added")


class TidyScores(DataMigration):
    """Score every memory by its length."""

    name = "tidy_scores"
    depends_on = ("tidy_column",)

    def check_applicable(self) -> bool:
        return (
            super().check_applicable()
            and "tidy_score" in self.table_columns("Memory")
            and bool(self.query("MATCH (m:Memory) WHERE m.tidy_score < 0 RETURN m.id LIMIT 1"))
        )

    def migrate(self) -> MigrationResult:
        for batch in self.iter_batches(
            "MATCH (m:Memory) WHERE m.tidy_score < 0 AND m.id > $after "
            "RETURN m.id AS id ORDER BY m.id LIMIT $limit"
        ):
            self.execute_cypher(
                "MATCH (m:Memory) WHERE m.id IN $ids SET m.tidy_score = size(m.content)",
                {"ids": [row["id"] for row in batch]},
            )
        return MigrationResult(success=True, message="scored")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [TidyConfig, TidyColumn, TidyScores]
