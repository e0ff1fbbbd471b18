"""Pack code that tries to end the process: SystemExit and KeyboardInterrupt, everywhere."""

from __future__ import annotations

import sys
from pathlib import Path

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class ExitsInMigrate(Migration):
    name = "rel_exits_in_migrate"

    def migrate(self) -> MigrationResult:
        (self.project_root / ".kuzu-memory" / "half-written.txt").write_text("half")
        sys.exit(3)


class InterruptsInMigrate(Migration):
    name = "rel_interrupts_in_migrate"

    def migrate(self) -> MigrationResult:
        raise KeyboardInterrupt("raised by pack code, not by a Ctrl-C")


class ExitsInCheck(Migration):
    name = "rel_exits_in_check"

    def check_applicable(self) -> bool:
        raise SystemExit("bye from check_applicable")


class ExitsInConstructor(Migration):
    name = "rel_exits_in_constructor"

    def __init__(self, project_root: Path | None = None) -> None:
        raise SystemExit("bye from __init__")


class Fine(Migration):
    name = "rel_fine_after_exits"
    priority = 999

    def migrate(self) -> MigrationResult:
        (self.project_root / ".kuzu-memory" / "fine.txt").write_text("fine")
        return MigrationResult(success=True, message="fine")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [ExitsInMigrate, InterruptsInMigrate, ExitsInCheck, ExitsInConstructor, Fine]


@hookimpl
def run_finished() -> None:
    raise SystemExit("bye from run_finished")
