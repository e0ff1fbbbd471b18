"""A pack of slow migrations that write several files each: the target of kill tests.

Each migration appends its name to `.kuzu-memory/ledger.json`, so one applied twice shows
there twice. `KMM_SLOW_DELAY` (seconds, default 0.02) is slept between steps, which gives a
kill many moments to land between two writes of one migration.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from kuzu_memory_migrations import (
    CleanupMigration,
    ConfigMigration,
    HooksMigration,
    MigrationResult,
    StructureMigration,
    hookimpl,
)
from kuzu_memory_migrations.contract.migration import Migration

LEDGER = ".kuzu-memory/ledger.json"
PAYLOAD = 64 * 1024  # big enough that a torn write would show


def pause() -> None:
    time.sleep(float(os.environ.get("KMM_SLOW_DELAY", "0.02")))


def payload(tag: str) -> str:
    line = f"{tag} " * 16 + "\n"
    return line * (PAYLOAD // len(line))


def seed(root: Path) -> None:
    """The project these migrations expect (what the tests build before each trial)."""
    memory = root / ".kuzu-memory"
    (memory / "old").mkdir(parents=True)
    (memory / "old" / "notes.txt").write_text(payload("old notes"))
    (memory / "old" / "deep").mkdir()
    (memory / "old" / "deep" / "more.txt").write_text("deep")
    (memory / "obsolete.log").write_text(payload("obsolete"))
    (memory / "config.json").write_text('{"user": "kept"}\n')
    os.chmod(memory / "config.json", 0o640)


class _Ledgered(Migration):
    def record(self) -> None:
        ledger = self.read_json(LEDGER)
        ledger["applied"] = [*ledger.get("applied", []), self.name]
        self.write_json(LEDGER, ledger)


class WriteFiles(ConfigMigration, _Ledgered):
    name = "rel_write_files"
    priority = 10
    config_file = ".kuzu-memory/config.json"

    def migrate(self) -> MigrationResult:
        for index in range(3):
            self.write_text(f".kuzu-memory/rel/part{index}.txt", payload(f"part {index}"))
            pause()
        self.record()
        return MigrationResult(success=True, message="three files written")


class EditConfig(ConfigMigration, _Ledgered):
    name = "rel_edit_config"
    priority = 20
    config_file = ".kuzu-memory/config.json"

    def migrate(self) -> MigrationResult:
        data = self.read_json(self.get_config_path())
        data["edits"] = data.get("edits", 0) + 1
        self.write_json(self.get_config_path(), data)
        pause()
        data["big"] = payload("config")
        self.write_json(self.get_config_path(), data)
        pause()
        self.record()
        return MigrationResult(success=True, message="config edited twice")


class MoveFolder(StructureMigration, _Ledgered):
    name = "rel_move_folder"
    priority = 30

    def migrate(self) -> MigrationResult:
        self.move_file(".kuzu-memory/old", ".kuzu-memory/new")
        pause()
        self.write_text(".kuzu-memory/new/added.txt", payload("added"))
        pause()
        self.record()
        return MigrationResult(success=True, message="folder moved")


class UserSettings(HooksMigration, _Ledgered):
    """Changes the user's own settings file, outside the project."""

    name = "rel_user_settings"
    priority = 40

    def migrate(self) -> MigrationResult:
        user = self.get_hooks_config_paths()[0]
        settings = self.read_json(user)
        settings["runs"] = settings.get("runs", 0) + 1
        self.write_json(user, settings)
        pause()
        self.record()
        return MigrationResult(success=True, message="user settings changed")

    def check_applicable(self) -> bool:
        return True


class RemoveObsolete(CleanupMigration, _Ledgered):
    name = "rel_remove_obsolete"
    depends_on = ("rel_move_folder",)

    def migrate(self) -> MigrationResult:
        self.remove_path(".kuzu-memory/obsolete.log")
        pause()
        self.remove_path(".kuzu-memory/new/deep")
        pause()
        self.record()
        return MigrationResult(success=True, message="obsolete files removed")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [WriteFiles, EditConfig, MoveFolder, UserSettings, RemoveObsolete]
