"""A test plugin defining a name another plugin defines too, and a hook returning junk."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, hookimpl


class Twin(Migration):
    name = "twin"


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [Twin]
