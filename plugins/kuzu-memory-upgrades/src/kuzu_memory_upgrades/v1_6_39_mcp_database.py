"""mcp_database_v1.6.39: the MCP server Claude Code starts finds the moved database.

Why: kuzu-memory 1.6's `install claude-code` registered its MCP server in the user's
`~/.claude.json` with `KUZU_MEMORY_DB=<project>/kuzu-memories`. Once the database has moved
to `.kuzu-memory/` that path is gone, and the server would start on an empty database there.
1.12 writes `<project>/.kuzu-memory/memories.db`; this entry gets that value. Only this
project's kuzu-memory entry is touched; every other key of the file is kept.

legacy_names: none; 1.12.11 has no counterpart.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from kuzu_memory_migrations import MigrationResult, SettingsMigration

from ._layout import LEGACY_DIR, NEW_DATABASE
from ._wording import tense

SERVER = "kuzu-memory"
VARIABLE = "KUZU_MEMORY_DB"


class McpDatabaseMigration(SettingsMigration):
    """Point the kuzu-memory MCP server of this project (in ~/.claude.json) at .kuzu-memory/."""

    name = "mcp_database_v1.6.39"
    from_version = "1.6.39"
    priority = 20
    depends_on = ("database_location_v1.6.39",)

    def get_config_path(self) -> Path:
        return Path.home() / ".claude.json"

    def declared_paths(self) -> list[Path]:
        return [self.get_config_path()]

    def _root(self) -> Path:
        return Path(os.path.abspath(self.project_root)).resolve()

    def _stale_servers(self, settings: dict[str, Any]) -> list[dict[str, Any]]:
        """The env of each kuzu-memory server of this project still naming the old folder."""
        old = self._root() / LEGACY_DIR
        projects = settings.get("projects")
        found: list[dict[str, Any]] = []
        for key, project in projects.items() if isinstance(projects, dict) else ():
            if not isinstance(project, dict) or Path(key).resolve() != self._root():
                continue
            env = _get(project, "mcpServers", SERVER, "env")
            value = env.get(VARIABLE) if isinstance(env, dict) else None
            if isinstance(env, dict) and isinstance(value, str) and Path(value).resolve() == old:
                found.append(env)
        return found

    def check_applicable(self) -> bool:
        path = self.get_config_path()
        return self.exists(path) and bool(self._stale_servers(self.read_json(path)))

    def migrate(self) -> MigrationResult:
        path = self.get_config_path()
        settings = self.read_json(path)
        new = str(self._root() / NEW_DATABASE)
        changes = []
        for env in self._stale_servers(settings):
            changes.append(f"{path}: {SERVER} {VARIABLE} {env[VARIABLE]} -> {new}")
            env[VARIABLE] = new
        if changes:
            self.write_json(path, settings)
        return MigrationResult(
            success=True,
            message=f"MCP server entries {tense(self, 'updated', 'to update')}: {len(changes)}",
            changes=changes,
        )


def _get(data: dict[str, Any], *keys: str) -> Any:
    """`data[k1][k2]...`, or None where a level is missing or not an object."""
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value
