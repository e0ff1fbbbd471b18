"""The pack's migrations: one per class, each small enough to read in one go."""

from __future__ import annotations

from typing import ClassVar

from kuzu_memory_migrations import ConfigMigration, MigrationResult, StructureMigration

CONFIG_FILE = ".kuzu-memory/config.yaml"
SECTION = "example_pack"


class TeamDefaultsMigration(ConfigMigration):
    """Add an `example_pack` section to config.yaml (after kuzu-memory's own defaults).

    `depends_on` names a migration of another pack (kuzu-memory-upgrades): the framework
    runs it first, whatever the priorities, and blocks this one if it fails. The pack that
    defines it is a dependency in pyproject.toml, so it is always installed with us.
    """

    name = "example_team_defaults_v0.1.0"
    from_version = "0.1.0"
    priority = 60
    depends_on: ClassVar[tuple[str, ...]] = ("config_defaults_v1.7.0",)
    config_file = CONFIG_FILE

    def check_applicable(self) -> bool:
        # Idempotent: nothing to do once the section is there (or without a config).
        return super().check_applicable() and SECTION not in self.load_config()

    def migrate(self) -> MigrationResult:
        config = self.load_config()  # round-trip YAML: comments and key order survive
        config[SECTION] = {"enabled": True, "audit_log": ".kuzu-memory/audit.log"}
        self.save_config(config)
        return MigrationResult(
            success=True,
            message=f"{'Would add' if self.context.dry_run else 'Added'} the {SECTION} section to"
            f" {CONFIG_FILE}",
            changes=[f"{CONFIG_FILE}: added {SECTION}.enabled: true, {SECTION}.audit_log"],
        )


class AuditLogIgnoredMigration(StructureMigration):
    """Keep `.kuzu-memory/audit.log` out of git.

    Its version range is read against kuzu-memory-upgrades, not this pack: it applies once
    kuzu-memory-upgrades 1.12 or later is installed, i.e. once `.kuzu-memory/` holds the
    database and its `.gitignore` (earlier releases kept them in `kuzu-memories/`).
    """

    name = "example_ignore_audit_log_v1.12.0"
    from_version = "1.12.0"
    version_axis = "kuzu-memory-upgrades"
    priority = 200
    gitignore: ClassVar[str] = ".kuzu-memory/.gitignore"

    def _lines(self) -> list[str]:
        return self.read_text(self.gitignore).splitlines() if self.exists(self.gitignore) else []

    def check_applicable(self) -> bool:
        return self.exists(".kuzu-memory") and "audit.log" not in self._lines()

    def migrate(self) -> MigrationResult:
        text = self.read_text(self.gitignore) if self.exists(self.gitignore) else ""
        if text and not text.endswith("\n"):
            text += "\n"
        self.write_text(self.gitignore, text + "audit.log\n")  # journaled: undone on failure
        return MigrationResult(
            success=True,
            message=f"audit.log {'would be' if self.context.dry_run else 'is'} ignored by git",
            changes=[f"{self.gitignore}: added audit.log"],
        )


MIGRATIONS = (TeamDefaultsMigration, AuditLogIgnoredMigration)
