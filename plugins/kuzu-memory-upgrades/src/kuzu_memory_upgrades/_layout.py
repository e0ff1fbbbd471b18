"""Where kuzu-memory keeps things, release by release (see docs/reference/kuzu-memory-facts.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MEMORY_DIR = ".kuzu-memory"
"""Since 1.6.39: the database, its files and the config live here."""
LEGACY_DIR = "kuzu-memories"
"""Up to 1.6.38 (measured on 1.6.32): the database and its files lived here."""
DATABASE = "memories.db"
NEW_DATABASE = f"{MEMORY_DIR}/{DATABASE}"
OLD_DATABASE = f"{LEGACY_DIR}/{DATABASE}"
DATABASE_COMPANIONS = ("README.md", "project_info.md", ".gitignore")
"""Files `kuzu-memory init` writes beside the database; they move with it."""
STALE_LOCK = ".memories.db.lock"
"""1.6's own lock file: left empty after every command, meaningless once the database moved."""


def count_memories(path: Path) -> int:
    """Memory rows in the database at `path`, read-only; raises MigrationDeferred when held open.

    Goes through the core's database module, the one place that knows how to open Kuzu.
    """
    from kuzu_memory_migrations.engine.database import DatabaseSession

    session = DatabaseSession(path, read_only=True)
    try:
        if "Memory" not in session.tables():
            return 0
        rows: list[dict[str, Any]] = session.execute("MATCH (m:Memory) RETURN count(m) AS n")
        return int(rows[0]["n"])
    finally:
        session.close()
