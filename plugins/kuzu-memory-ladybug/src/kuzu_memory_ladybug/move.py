"""ladybug_move_v0.1.0: the project's database moves from Kuzu to LadybugDB, when asked.

Why: Kuzu was archived in October 2025; LadybugDB is its maintained fork. It is opt-in
(`run --include ladybug_move_v0.1.0`) because kuzu-memory 1.12.11 reads Kuzu only: on a
LadybugDB file it fails with "not a valid Kuzu database file". Run it once kuzu-memory runs
on LadybugDB.

The framework does the move (`DatabaseAccess.move_to`): read-only export, import into a
new file beside the old one, every table verified, one rename into place, the Kuzu file
kept in the journal. The file keeps its path, so `database.path` in `config.yaml` and
`KUZU_MEMORY_DB` in `~/.claude.json` stay right; `database.engine: ladybug` is written to
`config.yaml`, so a database made anew later is a LadybugDB one too. A failure at any
point, a crash (settled by the next run) and `rollback ladybug_move_v0.1.0` put the Kuzu
file and the config back byte for byte.
"""

from __future__ import annotations

from collections.abc import MutableMapping

from kuzu_memory_migrations import ConfigFileError, ConfigFiles, DataMigration, MigrationResult

from ._layout import CONFIG, DATABASE, ENGINE, MOVE


def _size(count: int) -> str:
    return f"{count / 2**20:,.1f} MiB"


class LadybugMoveMigration(ConfigFiles, DataMigration):
    """Move the database from Kuzu to LadybugDB, verified table by table (opt-in)."""

    name = MOVE
    from_version = "0.1.0"
    priority = 950
    """After every other migration of a run, which may still work on the Kuzu file."""
    opt_in = True

    def check_applicable(self) -> bool:
        return self.exists(DATABASE) and self.database().engine == "kuzu"

    def migrate(self) -> MigrationResult:
        moved = self.database().move_to(ENGINE)
        tables = [f"{name}: {rows:,} rows" for name, rows in sorted(moved.tables.items())]
        warnings = []
        if moved.index_statements and moved.index_error:
            warnings.append(
                f"vector index not built: LadybugDB cannot load its VECTOR extension "
                f"({moved.index_error}). Every embedding was moved; similarity search waits "
                "for the index, which ladybug_vector_index_v0.1.0 builds once the extension "
                "loads (`INSTALL VECTOR` in LadybugDB, online)"
            )
        if moved.preview:
            return MigrationResult(
                success=True,
                message=f"Would move {moved.rows:,} rows in {len(moved.tables)} tables "
                f"({_size(moved.size)}) from Kuzu to LadybugDB; about "
                f"{_size(moved.size * 3 // 2)} of free space needed while it runs",
                changes=tables,
                warnings=warnings,
            )
        from ruamel.yaml.comments import CommentedMap

        config = self.load_config(CONFIG)
        database = config.setdefault("database", {})
        if not isinstance(database, MutableMapping):
            raise ConfigFileError(f"{self.path(CONFIG)}: `database` is not a mapping")
        if isinstance(database, CommentedMap) and "engine" not in database:
            database.insert(0, "engine", ENGINE)  # first: a comment after the last key stays
        else:
            database["engine"] = ENGINE
        self.save_config(config, CONFIG)
        timings = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in moved.seconds.items())
        return MigrationResult(
            success=True,
            message=f"Moved {moved.rows:,} rows in {len(moved.tables)} tables from Kuzu to "
            f"LadybugDB, verified ({_size(moved.size)} -> {_size(moved.new_size or 0)}; "
            f"{timings})",
            changes=[*tables, f"{CONFIG}: database.engine: {ENGINE}"],
            warnings=warnings,
        )
