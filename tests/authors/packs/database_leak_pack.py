"""Changes the database on its own connection, outside the transaction the runner undoes."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, SchemaMigration, hookimpl


class OwnConnection(SchemaMigration):
    """Add a column through a private kuzu connection."""

    name = "own_connection"

    def check_applicable(self) -> bool:
        return self.exists(self.database_path())

    def migrate(self) -> MigrationResult:
        import kuzu

        database = kuzu.Database(str(self.database_path()))
        connection = kuzu.Connection(database)
        connection.execute("ALTER TABLE Memory ADD IF NOT EXISTS leaked STRING DEFAULT ''")
        connection.close()
        database.close()
        return MigrationResult(success=True, message="added behind the runner's back")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [OwnConnection]
