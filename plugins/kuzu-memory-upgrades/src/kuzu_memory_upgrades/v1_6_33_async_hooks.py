"""async_hooks_v1.6.33: kuzu-memory's SessionStart and PostToolUse hooks run asynchronously.

Why: learning from a tool call and priming a session need not make Claude Code wait; since
1.6.33 kuzu-memory installs them with `"async": true`. The UserPromptSubmit `enhance` hook
must stay synchronous, since its output is added to the prompt, so a stray `async` is removed.
Other hooks and keys are left exactly as they are.

legacy_names: none; the name is 1.12.11's own `async_hooks_v1.6.33`, written when applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kuzu_memory_migrations import HooksMigration, MigrationResult

from ._hooks import ASYNC_ROLES, hook_role
from ._wording import tense


def _needs_change(role: str | None, hook: dict[str, Any]) -> bool:
    if role in ASYNC_ROLES:
        return hook.get("async") is not True
    return role == "enhance" and "async" in hook


class AsyncHooksMigration(HooksMigration):
    """Mark kuzu-memory's session-start and learn hooks "async": true; keep enhance synchronous."""

    name = "async_hooks_v1.6.33"
    from_version = "1.6.33"
    priority = 150

    def _pending(self, path: Path) -> bool:
        settings = self.read_json(path)
        return any(
            _needs_change(hook_role(hook["command"]), hook)
            for _, hook in self.iter_hook_commands(settings)
        )

    def check_applicable(self) -> bool:
        return any(self.exists(p) and self._pending(p) for p in self.get_hooks_config_paths())

    def migrate(self) -> MigrationResult:
        changes: list[str] = []
        for path in self.get_hooks_config_paths():
            if not self.exists(path):
                continue
            settings = self.read_json(path)
            changed = 0
            for event, hook in self.iter_hook_commands(settings):
                role = hook_role(hook["command"])
                if not _needs_change(role, hook):
                    continue
                if role in ASYNC_ROLES:
                    hook["async"] = True
                    changes.append(f"{path}: {event} hook {hook['command']!r} made async")
                else:
                    del hook["async"]
                    changes.append(f"{path}: {event} hook {hook['command']!r} kept synchronous")
                changed += 1
            if changed:
                self.write_json(path, settings)
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Updated', 'Would update')} {len(changes)} hook(s)",
            changes=changes,
        )
