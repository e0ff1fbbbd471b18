"""bash_hooks_v1.7.0: kuzu-memory's learn and session-start hooks call its bash scripts.

Why: the scripts (shipped since 1.7.0 in `kuzu_memory/hooks/bash/`) only queue the event and
return at once, where the Python CLI takes a second or more to start on every tool call.
`enhance` stays as it is (it needs the CLI's answer), and so does every other hook and key.
The scripts are those of the kuzu-memory installed here, found without importing it; when
there is none, there is nothing to point at and the migration is not applicable.

legacy_names: none; the name is 1.12.11's own `bash_hooks_v1.7.0`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from kuzu_memory_migrations import HooksMigration, MigrationResult

from ._hooks import Role, hook_role
from ._wording import tense

SCRIPTS: dict[Role, str] = {
    "learn": "learn_hook.sh",
    "session-start": "session_start_hook.sh",
}


def bash_hooks_dir() -> Path | None:
    """`kuzu_memory/hooks/bash/` of the installed kuzu-memory, None when it is not installed."""
    try:
        spec = importlib.util.find_spec("kuzu_memory")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "hooks" / "bash"


def installed_scripts() -> dict[Role, Path]:
    """Role -> script of the installed kuzu-memory; empty when kuzu-memory or a script is absent."""
    folder = bash_hooks_dir()
    if folder is None:
        return {}
    scripts = {role: folder / name for role, name in SCRIPTS.items()}
    return scripts if all(path.is_file() for path in scripts.values()) else {}


class BashHooksMigration(HooksMigration):
    """Point kuzu-memory's learn and session-start hooks at its bash scripts."""

    name = "bash_hooks_v1.7.0"
    from_version = "1.7.0"
    priority = 100

    def description(self) -> str:
        base = "Point kuzu-memory's learn and session-start hooks at its bash scripts"
        folder = bash_hooks_dir()
        if folder is None:
            return f"{base} (not applicable: kuzu-memory is not installed here)"
        if not installed_scripts():
            return f"{base} (not applicable: {folder} lacks {', '.join(SCRIPTS.values())})"
        return f"{base} in {folder}"

    def _rewrites(self, path: Path, scripts: dict[Role, Path]) -> bool:
        for _, hook in self.iter_hook_commands(self.read_json(path)):
            role = hook_role(hook["command"])
            if role in scripts and hook["command"] != str(scripts[role]):
                return True
        return False

    def check_applicable(self) -> bool:
        scripts = installed_scripts()
        if not scripts:
            return False
        return any(
            self.exists(path) and self._rewrites(path, scripts)
            for path in self.get_hooks_config_paths()
        )

    def migrate(self) -> MigrationResult:
        scripts = installed_scripts()
        changes: list[str] = []
        for path in self.get_hooks_config_paths():
            if not scripts or not self.exists(path):
                continue
            settings = self.read_json(path)
            changed = False
            for event, hook in self.iter_hook_commands(settings):
                role = hook_role(hook["command"])
                if role not in scripts or hook["command"] == str(scripts[role]):
                    continue
                changes.append(f"{path}: {event} {hook['command']!r} -> {scripts[role]}")
                hook["command"] = str(scripts[role])
                changed = True
            if changed:
                self.write_json(path, settings)
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Rewrote', 'Would rewrite')} {len(changes)} hook command(s)",
            changes=changes,
        )
