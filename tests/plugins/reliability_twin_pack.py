"""A second pack defining `rel_twin` again: a name clash across packs."""

from __future__ import annotations

from kuzu_memory_migrations import hookimpl
from kuzu_memory_migrations.contract.migration import Migration


class Twin(Migration):
    name = "rel_twin"


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [Twin]
