"""Migrations that change files with plain Python I/O, never through the helpers.

`KMM_PLAIN_IO` (comma-separated) chooses which have work: `write-link`, `ops`, `subprocess`,
`thread`; `wrapper` a migration using the helpers only, and an `apply_migration` wrapper
that appends to an audit log in the project after each migration, paying no attention to
`context.dry_run`. With `KMM_PLAIN_IO_FAIL` set, each raises after its changes, so tests see them
undone. The user-side file is `$HOME/.plain-io/settings.json` (declared).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Generator
from pathlib import Path

from kuzu_memory_migrations import Migration, MigrationResult, RunContext, hookimpl

AUDIT_LOG = ".kuzu-memory/audit.log"


def _wanted(key: str) -> bool:
    return key in os.environ.get("KMM_PLAIN_IO", "").split(",")


def _done(what: str) -> MigrationResult:
    if os.environ.get("KMM_PLAIN_IO_FAIL"):
        raise RuntimeError(f"{what}: failing on purpose after plain I/O")
    return MigrationResult(success=True, message=what)


def user_file() -> Path:
    return Path.home() / ".plain-io" / "settings.json"


class PlainWrite(Migration):
    name = "rel_plain_write"

    def check_applicable(self) -> bool:
        return _wanted("write-link")

    def migrate(self) -> MigrationResult:
        (self.project_root / ".claude" / "settings.json").write_text(json.dumps({"written": True}))
        return _done("wrote settings.json with Path.write_text")


class PlainOps(Migration):
    name = "rel_plain_ops"

    def declared_paths(self) -> list[Path]:
        return [user_file()]

    def check_applicable(self) -> bool:
        return _wanted("ops")

    def migrate(self) -> MigrationResult:
        root = self.project_root / ".kuzu-memory"
        with open(root / "config.json", "w") as handle:  # truncate and rewrite
            handle.write('{"rewritten": true}')
        with open(root / "log.txt", "a") as handle:  # append
            handle.write("appended\n")
        os.remove(root / "obsolete.txt")
        os.rename(root / "old-name.txt", root / "new-name.txt")
        shutil.rmtree(root / "logs")
        os.mkdir(root / "made")
        (root / "made" / "inside.txt").write_bytes(b"\x00\x01 binary")
        shutil.copy(root / "new-name.txt", root / "copied.txt")
        os.chmod(root / "log.txt", 0o600)
        os.symlink("new-name.txt", root / "link.txt")
        (root / "folder").rename(root / "folder-moved")
        Path(root / "touched.txt").touch()
        user_file().write_text(json.dumps({"user": "changed"}))
        return _done("changed files with open, os, shutil and pathlib")


class PlainSubprocess(Migration):
    name = "rel_plain_subprocess"

    def check_applicable(self) -> bool:
        return _wanted("subprocess")

    def migrate(self) -> MigrationResult:
        subprocess.run(["true"], check=True)
        return _done("ran a subprocess")


class PlainThread(Migration):
    """Another thread of the host writes a file while this migration runs."""

    name = "rel_plain_thread"

    def check_applicable(self) -> bool:
        return _wanted("thread")

    def migrate(self) -> MigrationResult:
        target = Path(os.environ["KMM_PLAIN_IO_THREAD_FILE"])
        worker = threading.Thread(target=lambda: target.write_text("the host's own write"))
        worker.start()
        worker.join()
        return _done("another thread wrote while this ran")


class ThroughTheHelpers(Migration):
    name = "rel_through_the_helpers"

    def check_applicable(self) -> bool:
        return _wanted("wrapper")

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/helpers.txt", "written through the helpers")
        return _done("wrote helpers.txt")


def seed(root: Path) -> None:
    """A project with every file PlainOps touches, and the user-side file."""
    memory = root / ".kuzu-memory"
    (memory / "logs").mkdir(parents=True)
    (memory / "logs" / "hook.log").write_text("old log\n")
    (memory / "folder").mkdir()
    (memory / "folder" / "kept.txt").write_text("kept")
    (memory / "config.json").write_text('{"user": "value"}')
    (memory / "log.txt").write_text("first line\n")
    (memory / "obsolete.txt").write_text("obsolete")
    (memory / "old-name.txt").write_text("renamed")
    (memory / "touched.txt").write_text("touched")
    user_file().parent.mkdir(parents=True, exist_ok=True)
    user_file().write_text(json.dumps({"user": "original"}))


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [PlainWrite, PlainOps, PlainSubprocess, PlainThread, ThroughTheHelpers]


@hookimpl(wrapper=True)
def apply_migration(
    migration: Migration, context: RunContext
) -> Generator[None, MigrationResult, MigrationResult]:
    result = yield
    if _wanted("wrapper"):
        with open(context.project_root / AUDIT_LOG, "a") as log:
            log.write(f"{migration.name}: {result.message}\n")
    return result
