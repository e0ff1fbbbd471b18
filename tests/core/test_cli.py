"""The CLI through typer's runner: exit codes, --json shapes, confirmation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from kuzu_memory_migrations.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def prepare(project: Path) -> None:
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    (project / ".kuzu-memory" / "keep.txt").write_text("precious")


def test_run_exits_1_when_a_migration_fails_and_json_parses(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    prepare(project)
    result = runner.invoke(app, ["run", "--project-root", str(project), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert {o["name"]: o["status"] for o in report["outcomes"]}["add_alpha"] == "applied"


def test_status_json_lists_what_is_pending(project: Path, use_plugins: Callable[..., None]) -> None:
    use_plugins("ordered_pack")
    prepare(project)
    result = runner.invoke(app, ["status", "--project-root", str(project), "--json"])
    assert result.exit_code == 0
    pending = {o["name"] for o in json.loads(result.stdout)["pending"]}
    assert {"add_alpha", "independent"} <= pending


def test_a_usage_error_exits_64_which_check_never_uses(project: Path) -> None:
    result = runner.invoke(app, ["run", "--project-root", str(project), "--type", "nonsense"])
    assert result.exit_code == 64


def test_reset_asks_first_and_keeps_the_old_state(
    project: Path, use_plugins: Callable[..., None]
) -> None:
    use_plugins("ordered_pack")
    prepare(project)
    runner.invoke(app, ["run", "--project-root", str(project)])
    state = project / ".kuzu-memory" / "migration_state.json"
    before = state.read_bytes()

    declined = runner.invoke(app, ["reset", "--project-root", str(project)])
    assert declined.exit_code == 64 and "--yes" in declined.output  # off a terminal: no prompt
    assert state.read_bytes() == before

    accepted = runner.invoke(app, ["reset", "--project-root", str(project), "--yes", "--json"])
    assert accepted.exit_code == 0
    kept = [Path(p) for p in json.loads(accepted.stdout)["kept"]]
    assert any(path.read_bytes() == before for path in kept)
    assert not state.exists() and not (project / ".kuzu-memory/migrations/records.sqlite").exists()


def test_a_corrupt_state_is_one_clear_line_not_a_traceback(project: Path) -> None:
    state = project / ".kuzu-memory" / "migration_state.json"
    state.write_text("{")
    result = runner.invoke(app, ["status", "--project-root", str(project)])
    assert result.exit_code == 1
    assert str(state) in result.output
    assert "Traceback" not in result.output
