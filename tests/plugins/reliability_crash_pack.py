"""A migration whose process dies under it (as a native crash in Kuzu would): SIGKILL."""

from __future__ import annotations

import os
import signal

from kuzu_memory_migrations import MigrationResult, hookimpl
from kuzu_memory_migrations.contract.migration import Migration


class Crashes(Migration):
    name = "rel_crashes"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/config.json", '{"half": "applied"}')
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [Crashes]
