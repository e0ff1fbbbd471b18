"""A test plugin: vetoes `independent`, answers junk for `add_alpha`, raises for another."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, hookimpl


@hookimpl
def check_migration(migration: Migration) -> object:
    if migration.name == "independent":
        return False
    if migration.name == "add_alpha":
        return "yes please"
    if migration.name == "writes_then_raises":
        raise ValueError("checker crashed")
    return None


@hookimpl
def register_migrations() -> dict[str, str]:
    return {"not": "a list"}
