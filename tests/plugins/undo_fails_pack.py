"""A migration whose undo cannot finish: a process it starts fills the disk, then it fails.

`KMM_FILLER` names the file the subprocess fills the disk with (what no journal follows);
without it the migration just fails.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from kuzu_memory_migrations import ConfigMigration, Migration, MigrationResult, hookimpl


class FillsTheDisk(ConfigMigration):
    name = "rel_fills_the_disk"
    priority = 10
    config_file = ".kuzu-memory/config.json"

    def migrate(self) -> MigrationResult:
        config = self.load_config()
        config["grown"] = "x" * 200_000
        self.save_config(config)
        if filler := os.environ.get("KMM_FILLER"):
            subprocess.run(["sh", "-c", f"cat /dev/zero > '{filler}' 2>/dev/null"], check=False)
        raise RuntimeError("failing with a full disk")


class After(Migration):
    name = "rel_after_the_full_disk"
    priority = 20

    def migrate(self) -> MigrationResult:
        (self.project_root / ".kuzu-memory" / "after.txt").write_text("ran")
        return MigrationResult(success=True, message="ran after")


def seed(root: Path) -> None:
    (root / ".kuzu-memory").mkdir(parents=True)
    (root / ".kuzu-memory" / "config.json").write_text('{"user": "' + "u" * 150_000 + '"}')


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [FillsTheDisk, After]
