"""config_defaults_v1.7.0: the config gains `queue_dir` and `hooks.use_bash_hooks`.

Why: 1.7.0's bash hooks queue events in `queue_dir` and are switched on by
`hooks.use_bash_hooks`; a config without them falls back to the slow path. Only missing keys
are added: every value, comment and the key order of the user's file stay as they are.
Both the YAML config (`config.yaml`, what installers write) and the older `config.json`.

legacy_names: none; the name is 1.12.11's own `config_defaults_v1.7.0`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from kuzu_memory_migrations import ConfigMigration, MigrationResult

from ._layout import CONFIG_FILES
from ._wording import tense

DEFAULTS: dict[str, Any] = {"queue_dir": "/tmp/kuzu-memory-queue"}
HOOK_DEFAULTS: dict[str, Any] = {"use_bash_hooks": True}


class ConfigDefaultsMigration(ConfigMigration):
    """Add queue_dir and hooks.use_bash_hooks to the config where they are missing."""

    name = "config_defaults_v1.7.0"
    from_version = "1.7.0"
    priority = 50
    config_file = CONFIG_FILES[0]

    def _additions(self, config: MutableMapping[str, Any]) -> tuple[list[str], list[str]]:
        """(keys to add, warnings) for one config."""
        missing = [key for key in DEFAULTS if key not in config]
        hooks = config.get("hooks")
        warnings: list[str] = []
        if hooks is None:
            missing += [f"hooks.{key}" for key in HOOK_DEFAULTS]
        elif isinstance(hooks, MutableMapping):
            missing += [f"hooks.{key}" for key in HOOK_DEFAULTS if key not in hooks]
        else:
            warnings.append(f"`hooks` is a {type(hooks).__name__}, not a mapping: left as is")
        return missing, warnings

    def check_applicable(self) -> bool:
        return any(
            self.exists(path) and self._additions(self.load_config(path))[0]
            for path in CONFIG_FILES
        )

    def migrate(self) -> MigrationResult:
        changes: list[str] = []
        warnings: list[str] = []
        for path in CONFIG_FILES:
            if not self.exists(path):
                continue
            config = self.load_config(path)
            missing, problems = self._additions(config)
            warnings += [f"{path}: {problem}" for problem in problems]
            if not missing:
                continue
            for key in missing:
                if key.startswith("hooks."):
                    sub = key.removeprefix("hooks.")
                    config.setdefault("hooks", {})[sub] = HOOK_DEFAULTS[sub]
                    changes.append(f"{path}: added {key}: {HOOK_DEFAULTS[sub]}")
                else:
                    config[key] = DEFAULTS[key]
                    changes.append(f"{path}: added {key}: {DEFAULTS[key]}")
            self.save_config(config, path)
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Added', 'Would add')} {len(changes)} config default(s)",
            changes=changes,
            warnings=warnings,
        )
