"""What the CLI tests share: the real CLI run as a user runs it (in a pipe, or in a
pseudo-terminal of a given width), and a pack whose names are longer than a narrow terminal."""

from __future__ import annotations

import fcntl
import importlib.util
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

WIDTHS = (60, 80, 200)
ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
PROGRAM = (sys.executable, "-m", "kuzu_memory_migrations")


@dataclass(frozen=True)
class Output:
    code: int
    text: str
    """stdout (and, in a terminal, stderr too), without colour codes."""

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES", "NO_COLOR"}}
    env.pop("FORCE_COLOR", None)
    env.update({"TERM": "xterm-256color", **(extra or {})})
    return env


def in_pipe(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Output:
    """stdout is a pipe (as in `| grep`); stderr is captured apart and not part of text."""
    result = subprocess.run(
        [*PROGRAM, *args],
        cwd=cwd,
        env=environment(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return Output(result.returncode, result.stdout)


def in_terminal(
    *args: str,
    columns: int,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> Output:
    """The CLI in a pseudo-terminal ``columns`` wide, as a person at a terminal runs it."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [*PROGRAM, *args],
        cwd=cwd,
        env=environment(env),
        stdin=follower,
        stdout=follower,
        stderr=follower,
        close_fds=True,
        start_new_session=True,
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the follower side closed: the process is done
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    raw = b"".join(chunks).decode("utf-8", errors="replace")
    text = ANSI.sub("", raw).replace("\r\n", "\n")
    return Output(code, text)


DISTRIBUTION = "acme-memory-settings-and-claude-code-hooks-pack"
VERSION = "2026.12.1.post7"
ENTRY_POINT = "acme_memory_settings_and_claude_code_hooks_pack"
MODULE = "acme_long_names_pack"

SETTINGS = "acme_settings_for_the_long_named_feature_v2026.12.1"
HOOKS = "acme_claude_code_hooks_rewritten_for_async_v2026.12.1"
LATER = "acme_memory_tags_back_filled_after_the_settings_v2026.12.1"
NOTHING = "acme_obsolete_queue_folder_removed_when_present_v2026.12.1"
NAMES = (SETTINGS, HOOKS, LATER, NOTHING)

SETTINGS_FILE = ".kuzu-memory/acme-settings-for-the-long-named-feature.json"
LONG_COMMAND = (
    "/home/dev/.local/share/acme/virtualenvs/kuzu-memory-hooks/bin/python -m acme_hooks "
    "--project /home/dev/projects/a-project-with-a-long-name --learn --quiet"
)
BEFORE = '{\n  "enabled": true,\n  "command": "' + LONG_COMMAND + '"\n}'  # no final newline
AFTER = '{\n  "enabled": true,\n  "command": "' + LONG_COMMAND + '",\n  "async": true\n}' + "\n"

SOURCE = textwrap.dedent(
    f'''
    """A pack whose names, versions and paths are longer than a narrow terminal's columns."""

    from kuzu_memory_migrations import (
        CleanupMigration,
        DataMigration,
        HooksMigration,
        MigrationResult,
        SettingsMigration,
        hookimpl,
    )

    SETTINGS_FILE = {SETTINGS_FILE!r}
    AFTER = {AFTER!r}


    class Settings(SettingsMigration):
        """Rewrite {SETTINGS_FILE} so that the hook command runs asynchronously from now on."""

        name = {SETTINGS!r}
        from_version = "1.0.0"

        def check_applicable(self) -> bool:
            return self.exists(SETTINGS_FILE)

        def migrate(self) -> MigrationResult:
            self.write_text(SETTINGS_FILE, AFTER)
            return MigrationResult(
                success=True,
                message="made the hook command in " + SETTINGS_FILE + " asynchronous",
                changes=[SETTINGS_FILE],
            )


    class Hooks(HooksMigration):
        """Mark the Claude Code hooks of /home/dev/.claude/settings.json asynchronous."""

        name = {HOOKS!r}
        from_version = "1.0.0"

        def check_applicable(self) -> bool:
            return True

        def migrate(self) -> MigrationResult:
            self.write_text(".kuzu-memory/acme-hooks-async.txt", "yes\\n")
            return MigrationResult(success=True, message="hooks made asynchronous")


    class Later(DataMigration):
        """Back-fill the memory tags once the settings say which tags to use."""

        name = {LATER!r}
        from_version = "1.0.0"
        depends_on = ({SETTINGS!r},)

        def check_applicable(self) -> bool:
            return True

        def migrate(self) -> MigrationResult:
            self.write_text(".kuzu-memory/acme-tags.txt", "tagged\\n")
            return MigrationResult(success=True, message="tags back-filled")


    class Nothing(CleanupMigration):
        """Remove .kuzu-memory/acme-obsolete-queue-folder-of-the-first-releases/ if present."""

        name = {NOTHING!r}
        from_version = "1.0.0"

        def check_applicable(self) -> bool:
            return False

        def migrate(self) -> MigrationResult:
            return MigrationResult(success=True, message="nothing")


    @hookimpl
    def register_migrations():
        return [Settings, Hooks, Later, Nothing]
    '''
)


@dataclass(frozen=True)
class Pack:
    site: Path
    module: Path
    env: dict[str, str]


def interpreters() -> dict[str, str]:
    """The supported Pythons installed here, by version (scripts/pythons.py finds them)."""
    spec = importlib.util.spec_from_file_location("pythons", ROOT / "scripts" / "pythons.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found: dict[str, str] = module.installed()
    return found
