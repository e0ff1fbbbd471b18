"""`kuzu-memory-migrations rollback NAME`: undo an applied migration from its kept journal."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import reliability_slow_pack as slow
from kuzu_memory_migrations import auto_migrate
from kuzu_memory_migrations.cli.app import app
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine import protocol
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
from reliability_support import PRIVATE, digest_tree, state_of
from typer.testing import CliRunner

LEGACY_KEYS = {"name", "version", "migration_type", "timestamp", "success", "message", "changes"}


@pytest.fixture
def applied(
    tmp_path: Path,
    use_plugins: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
) -> tuple[Path, dict[str, str]]:
    """A project the slow pack was applied to, and its tree before that."""
    monkeypatch.setenv("KMM_SLOW_DELAY", "0")
    monkeypatch.setenv("COLUMNS", "1000")
    use_plugins("reliability_slow_pack")
    root = tmp_path / "project"
    slow.seed(root)
    before = digest_tree(root, isolated_environment)
    assert run(Project(root), RunOptions()).ok
    return root, before


def rollback(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["rollback", *args, "--project-root", str(root)])
    return result.exit_code, result.output


def cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--project-root", str(root)])
    return result.exit_code, result.output


def test_a_rollback_is_a_rollback_not_a_failure(applied: tuple[Path, dict[str, str]]) -> None:
    root, _ = applied
    code, out = rollback(root, "rel_remove_obsolete", "--yes", "--json")
    assert code == 0, out
    assert str(root / ".kuzu-memory" / "obsolete.log") in json.loads(out)["restored"]
    assert (root / ".kuzu-memory" / "obsolete.log").read_text() == slow.payload("obsolete")
    assert (root / ".kuzu-memory" / "new" / "deep" / "more.txt").read_text() == "deep"
    ledger = json.loads((root / slow.LEDGER).read_text())["applied"]
    assert "rel_remove_obsolete" not in ledger
    legacy = state_of(root)["history"]
    assert all(set(entry) == LEGACY_KEYS for entry in legacy)
    assert "rel_remove_obsolete" not in [e["name"] for e in legacy]  # not applied, for the host

    history = json.loads(cli(root, "history", "--json")[1])
    last = history[-1]
    assert (last["name"], last["outcome"], last["success"]) == (
        "rel_remove_obsolete",
        "rolled_back",
        False,
    )
    assert last["provenance"]["how"] == "rollback" and last["failures"] is None
    status = json.loads(cli(root, "status", "--json")[1])
    assert not status["failures"] and not status["pending"]
    standing = {o["name"]: o["status"] for o in status["migrations"]}
    assert standing["rel_remove_obsolete"] == "rolled_back"
    code, out = cli(root, "check", "--strict", "--json")
    assert code == 0 and json.loads(out)["rolled_back"] == ["rel_remove_obsolete"]

    startup = auto_migrate(root)  # neither the start-up path nor a plain run undoes it
    assert "rel_remove_obsolete" not in startup.applied and not startup.failed
    again = run(Project(root), RunOptions())
    assert again.final()["rel_remove_obsolete"].status is Status.ROLLED_BACK
    assert (root / ".kuzu-memory" / "obsolete.log").exists()
    asked = run(Project(root), RunOptions(include=frozenset({"rel_remove_obsolete"})))
    assert asked.final()["rel_remove_obsolete"].status is Status.APPLIED
    assert not (root / ".kuzu-memory" / "obsolete.log").exists()


def test_rollback_checks_the_name_first_and_asks_for_yes_off_a_terminal(
    applied: tuple[Path, dict[str, str]],
) -> None:
    root, _ = applied
    code, out = rollback(root, "rel_remove_obsolet")
    assert code == 64 and "did you mean rel_remove_obsolete" in out and "Roll back" not in out
    code, out = rollback(root, "rel_remove_obsolete")  # no --yes, and no terminal to ask on
    assert code == 64 and "--yes" in out
    assert not (root / ".kuzu-memory" / "obsolete.log").exists()


def test_rollback_of_everything_gives_back_the_original_project(
    applied: tuple[Path, dict[str, str]], isolated_environment: Path
) -> None:
    root, before = applied
    for name in reversed(slow.register_migrations()):
        code, out = rollback(root, name.name, "--yes")
        assert code == 0, out
    assert digest_tree(root, isolated_environment) == before  # ~/.claude/ it created: gone


def test_rollback_refuses_over_later_edits_unless_forced(
    applied: tuple[Path, dict[str, str]],
) -> None:
    root, _ = applied
    ledger = root / slow.LEDGER
    ledger.write_text('{"applied": [], "edited": "by hand"}')
    code, out = rollback(root, "rel_remove_obsolete", "--yes")
    assert code == 1 and str(ledger) in out and "--force" in out
    assert (root / ".kuzu-memory" / "obsolete.log").exists() is False
    code, out = rollback(root, "rel_remove_obsolete", "--yes", "--force", "--json")
    assert code == 0 and str(ledger) in json.loads(out)["overwritten"]


def test_rollback_never_takes_a_later_migrations_change_of_the_same_file(
    tmp_path: Path, use_plugins: Callable[..., None]
) -> None:
    """Not an edit that --force may overwrite: the later migration would stay recorded as
    applied with its change gone, and nothing would ever apply it again."""
    use_plugins("shared_file_pack")
    root = tmp_path / "project"
    config = root / ".kuzu-memory" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text("{}")
    assert run(Project(root), RunOptions()).ok
    applied = config.read_bytes()
    for forced in ((), ("--force",)):
        code, out = rollback(root, "shared_sets_first", "--yes", *forced)
        assert code == 1, out
        assert "shared_sets_second: .kuzu-memory/config.json" in " ".join(out.split())
        assert config.read_bytes() == applied
    for name in ("shared_sets_second", "shared_sets_first"):  # newest first: both undone
        code, out = rollback(root, name, "--yes")
        assert code == 0, out
    assert config.read_text() == "{}"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("rel_move_folder", "rel_remove_obsolete"),  # an applied migration depends on it
        ("no_such_migration", "unknown migration"),
    ],
)
def test_rollback_refuses_clearly(
    applied: tuple[Path, dict[str, str]], name: str, fragment: str
) -> None:
    root, _ = applied
    before = digest_tree(root)
    code, out = rollback(root, name, "--yes")
    assert code in {1, 64} and fragment in out and name in out
    assert digest_tree(root) == before


def test_backups_are_private_and_bounded(
    applied: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = applied
    backups = root / PRIVATE / "backups"
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700
    assert stat.S_IMODE((root / PRIVATE).stat().st_mode) == 0o700
    assert len(list(backups.iterdir())) == 5
    monkeypatch.setattr(protocol, "KEPT_BACKUPS", 2)
    names = ("rel_remove_obsolete", "rel_user_settings")
    for name in names:
        assert rollback(root, name, "--yes")[0] == 0
    assert run(Project(root), RunOptions(include=frozenset(names))).ok
    assert len(list(backups.iterdir())) == 2
    code, out = rollback(root, "rel_write_files", "--yes")
    assert code == 1 and "no backup of its changes is kept" in out
