"""Provenance, drift, adoption and check, in process (the installed-pack story is in
tests/integration/test_provenance.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations.cli import app
from kuzu_memory_migrations.engine import fingerprint
from kuzu_memory_migrations.engine.adoption import change_records, repair_events
from kuzu_memory_migrations.engine.audit import audit
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
from kuzu_memory_migrations.engine.state import read_records
from typer.testing import CliRunner

LEGACY = {
    "last_version": "1.12.11",
    "history": [
        {
            "name": "config_defaults_v1.7.0",
            "version": "1.7.0",
            "migration_type": "config",
            "timestamp": "2025-01-01T00:00:00",
            "success": True,
            "message": "Added defaults",
            "changes": ["config.yaml"],
        }
    ],
}
TWO_CLASSES = """
from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class One(Migration):
    name = "local_one"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="one")


class Two(Migration):
    name = "local_two"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="two")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [One, Two]
"""


def cli(project: Path, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, [*args, "--project-root", str(project)])
    assert result.exit_code == code, result.output
    return result.output


def test_a_state_file_of_the_old_system_stays_valid(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    state_file = project / ".kuzu-memory" / "migration_state.json"
    state_file.write_text(json.dumps(LEGACY))
    (project / ".kuzu-memory" / "config.json").write_text("{}")

    history = json.loads(cli(project, "history", "--json"))
    assert history[0]["name"] == "config_defaults_v1.7.0" and history[0]["provenance"] is None
    assert "History of" in cli(project, "history", "--verbose")  # no provenance: still shown
    cli(project, "check", code=2)  # ordered_pack's migrations are pending
    run(Project(project), RunOptions())

    saved = json.loads(state_file.read_text())
    assert saved["history"][0] == LEGACY["history"][0]
    assert saved["last_version"] == "1.12.11"
    rows = {row["name"]: row for row in json.loads(cli(project, "history", "--json"))}
    assert rows["config_defaults_v1.7.0"]["provenance"] is None  # nothing invented for it
    assert rows["config_defaults_v1.7.0"]["outcome"] == "host"
    assert rows["add_alpha"]["provenance"]["how"] == "run"


def drift(project: Project) -> dict[str, object]:
    records = read_records(project.layout)
    try:
        return dict(audit(project, records).drift)
    finally:
        records.close()


def test_editing_one_class_drifts_only_that_one(
    project: Path,
    tmp_path: Path,
    use_plugins: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "local" / "drift_local.py"
    source.parent.mkdir()
    source.write_text(TWO_CLASSES)
    monkeypatch.syspath_prepend(str(source.parent))
    use_plugins("drift_local")
    run(Project(project), RunOptions())
    assert drift(Project(project)) == {}

    source.write_text(TWO_CLASSES.replace('message="two"', 'message="two, edited"'))
    fingerprint._class_sources.cache_clear()  # a new process would read the file afresh
    edited = Project(project)
    found = audit(edited, read_records(edited.layout)).drift
    assert list(found) == ["local_two"]
    assert str(source) in found["local_two"].describe()
    cli(project, "check", "--strict", code=1)
    cli(project, "check", code=0)

    assert cli(project, "repair", "--dry-run").startswith("Would have repaired 1: local_two")
    change_records(edited, repair_events(edited, None), dry_run=False)
    assert drift(edited) == {}
    cli(project, "check", "--strict", code=0)


def test_unknown_names_are_usage_errors_that_write_nothing(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    state_file = project / ".kuzu-memory" / "migration_state.json"
    assert "did you mean add_alpha" in cli(project, "stamp", "add_alpah", code=64)
    assert "did you mean ordered_pack" in cli(project, "stamp", "--pack", "orderd_pack", code=64)
    cli(project, "stamp", "add_alpha", "--pack", "ordered_pack", code=64)  # one or the other
    cli(project, "stamp", "--pack", "ordered_pack", "--to", "one", code=64)
    cli(project, "forget", "add_alpha", "--yes", code=64)  # not in the history
    cli(project, "repair", "add_alpha", code=64)
    assert not state_file.exists()

    planned = json.loads(cli(project, "stamp", "--pack", "ordered_pack", "--dry-run", "--json"))
    assert planned["dry_run"] and "add_beta" in planned["stamped"]
    assert not state_file.exists()
    cli(project, "stamp", "--pack", "ordered_pack", "--to", "0.0.0")
    assert json.loads(cli(project, "check", "--json"))["pending"] == []
    again = json.loads(cli(project, "stamp", "add_alpha", "--json"))
    assert (again["stamped"], again["already_applied"]) == ([], ["add_alpha"])
