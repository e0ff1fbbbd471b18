"""A plugin of the tests: vetoes, and failures injected after a migration did its work.

Controlled by environment variables, so one module serves every test:
`PACKS_TEST_VETO` (comma-separated names never to run) and `PACKS_TEST_FAIL_AFTER` (names
whose application raises once the migration has returned, i.e. after all its changes).
"""

from __future__ import annotations

import os
from collections.abc import Generator

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


def _names(variable: str) -> set[str]:
    return {n.strip() for n in os.environ.get(variable, "").split(",") if n.strip()}


class InjectedFailure(RuntimeError):
    """Raised after a migration succeeded, to prove the runner undoes it completely."""


@hookimpl(tryfirst=True)
def check_migration(migration: Migration) -> bool | None:
    return False if migration.name in _names("PACKS_TEST_VETO") else None


@hookimpl(wrapper=True)
def apply_migration(migration: Migration) -> Generator[None, MigrationResult, MigrationResult]:
    result = yield
    if migration.name in _names("PACKS_TEST_FAIL_AFTER") and result.success:
        raise InjectedFailure(f"injected failure after {migration.name} ran")
    return result
