"""Helpers of the pack tests: run the real runner, fingerprint a project tree, dump a database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kuzu_memory_migrations import RunReport, Status
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import Mode, RunOptions, run

REPO = Path(__file__).resolve().parents[2]
UPGRADES_SRC = REPO / "plugins" / "kuzu-memory-upgrades" / "src"
EXAMPLE_SRC = REPO / "plugins" / "example-pack" / "src"
UPGRADES = "kuzu_memory_upgrades.plugin"
EXAMPLE = "kuzu_memory_example_pack.plugin"
TEST_PLUGIN = "packs_test_plugin"
"""The framework's own bookkeeping: written by every applying run, not by a migration."""

UPGRADE_NAMES = (
    "database_location_v1.6.39",
    "mcp_database_v1.6.39",
    "async_hooks_v1.6.33",
    "knowledge_type_v1.6.45",
    "project_tag_v1.6.46",
    "config_defaults_v1.7.0",
    "bash_hooks_v1.7.0",
    "cleanup_logs_v1.8.0",
    "schema_columns_v1.8.1",
    "content_hash_backfill_v1.9.0",
    "archive_expired_v1.9.0",
    "schema_tables_v1.12.11",
    "memory_vector_index_v1.12.11",
)


def migrate(
    root: Path, mode: Mode = Mode.APPLY, project: Project | None = None, **options: Any
) -> RunReport:
    """One run of the real runner on `root`, with the plugins the environment selects."""
    return run(project or Project(root), RunOptions(mode=mode, lock_wait=5.0, **options))


def outcome(report: RunReport, name: str) -> Any:
    found = [o for o in report.outcomes if o.name == name]
    assert found, f"{name} not in {[o.name for o in report.outcomes]}"
    return found[-1]


def statuses(report: RunReport) -> dict[str, Status]:
    return {o.name: o.status for o in report.outcomes}
