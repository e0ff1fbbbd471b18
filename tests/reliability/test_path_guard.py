"""The path guard: the project and the paths a migration declares, nothing else, whatever the
links say; a link out of the project only to targets the user allowed."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations import HooksMigration, MigrationResult, PathRefused
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.files import FileOps
from kuzu_memory_migrations.engine.guard import PathGuard
from kuzu_memory_migrations.engine.journal import Journal
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_text("untouched")
    return folder


def guarded(project: Path, *declared: Path, allowed: tuple[Path, ...] = ()) -> FileOps:
    guard = PathGuard.build("rel_guarded", project, declared, allowed)
    journal = Journal.create(
        project / ".kuzu-memory" / "migrations" / "journal" / "j",
        project.parent / "external",
        project_root=str(project),
        migration="rel_guarded",
        declared=[str(p) for p in guard.declared],
        allowed=[str(p) for p in allowed],
    )
    return FileOps(guard, journal)


ESCAPES = {
    "dot-dot": lambda p, o: p / ".." / "outside" / "victim.txt",
    "absolute": lambda p, o: o / "victim.txt",
    "home": lambda p, o: Path("~/.bashrc"),
    "through a linked folder": lambda p, o: p / "linked" / "victim.txt",
    "a link to a file outside": lambda p, o: p / "victim-link.txt",
}


@pytest.mark.parametrize("case", list(ESCAPES))
@pytest.mark.parametrize("action", ["write", "mkdir", "remove", "move from", "move to"])
def test_escapes_are_refused_naming_migration_and_path(
    project: Path, outside: Path, case: str, action: str
) -> None:
    (project / "linked").symlink_to(outside)
    (project / "victim-link.txt").symlink_to(outside / "victim.txt")
    (project / "mine.txt").write_text("mine")
    target = ESCAPES[case](project, outside)
    files = guarded(project)
    calls = {
        "write": lambda: files.write_bytes(target, b"overwritten"),
        "mkdir": lambda: files.mkdir(target / "sub"),
        "remove": lambda: files.remove(target),
        "move from": lambda: files.move(target, "stolen.txt"),
        "move to": lambda: files.move("mine.txt", target),
    }
    if action in {"remove", "move from", "move to"} and case == "a link to a file outside":
        assert calls[action]()  # the link itself is inside: it may go (undoably)
        assert (outside / "victim.txt").read_text() == "untouched"
        return
    with pytest.raises(PathRefused) as refused:
        calls[action]()
    assert "rel_guarded" in str(refused.value) and "outside" in str(refused.value)
    assert (outside / "victim.txt").read_text() == "untouched"
    assert (project / "mine.txt").read_text() == "mine"


def test_a_link_out_of_the_project_is_named_with_its_target_and_the_way_to_allow_it(
    project: Path, outside: Path
) -> None:
    (project / "linked").symlink_to(outside)
    with pytest.raises(PathRefused) as refused:
        guarded(project).write_bytes("linked/victim.txt", b"x")
    message = str(refused.value)
    assert f"{project / 'linked'} is a symlink to {outside}" in message
    assert f"--allow-path {outside}" in message
    assert "guard.py" not in message and "line" not in message  # no framework source line
    files = guarded(project, allowed=(outside,))
    files.write_bytes("linked/victim.txt", b"allowed")
    assert (outside / "victim.txt").read_bytes() == b"allowed"
    assert files.journal is not None and not files.journal.undo()
    assert (outside / "victim.txt").read_text() == "untouched"


def test_declared_paths_are_allowed_and_nothing_beside_them(project: Path, outside: Path) -> None:
    files = guarded(project, outside / "victim.txt")
    files.write_bytes(outside / "victim.txt", b"changed, as declared")
    with pytest.raises(PathRefused):
        files.write_bytes(outside / "neighbour.txt", b"not declared")


def test_a_declared_link_allows_its_target_file_only(tmp_path: Path, project: Path) -> None:
    """`~/.claude/settings.json` linked to `/`: the tree around it is never opened up."""
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    declared = home / ".claude" / "settings.json"
    declared.symlink_to("/")
    files = guarded(project, declared)
    for attempt in (
        lambda: files.write_bytes(declared / "etc" / "planted", b"x"),
        lambda: files.mkdir(declared / "planted"),
        lambda: files.remove(declared / "tmp"),
        lambda: files.write_bytes(declared, b"{}"),  # its target is a folder, not a file
    ):
        with pytest.raises(PathRefused):
            attempt()
    assert not Path("/planted").exists() and not Path("/etc/planted").exists()
    declared.unlink()
    real = tmp_path / "dotfiles" / "settings.json"
    real.parent.mkdir()
    real.write_text("{}")
    declared.symlink_to(real)
    guarded(project, declared).write_bytes(declared, b'{"ok": true}')
    assert real.read_text() == '{"ok": true}' and declared.is_symlink()
    with pytest.raises(PathRefused):
        guarded(project, declared).write_bytes(real.parent / "neighbour", b"x")


@pytest.mark.parametrize(
    "path", [".kuzu-memory/migrations/lock", ".kuzu-memory/migrations/backups/x", "."]
)
def test_the_framework_folder_and_what_holds_it_are_off_limits(project: Path, path: str) -> None:
    files = guarded(project)
    with pytest.raises(PathRefused, match="kuzu-memory-migrations' own folder"):
        files.remove(path)
    with pytest.raises(PathRefused, match="kuzu-memory-migrations' own folder"):
        files.move(".kuzu-memory", "elsewhere")
    files.write_bytes(".kuzu-memory/config.json", b"{}")  # beside it is fine


def test_undo_never_deletes_through_a_link_out_of_the_allowed_paths(
    project: Path, outside: Path
) -> None:
    files = guarded(project)
    files.mkdir("made")
    files.write_bytes("made/new.txt", b"new")
    # Between the change and its undo, someone swaps the folder for a link outside.
    (outside / "new.txt").write_text("someone else's")
    os.rename(project / "made", project / "made.aside")
    (project / "made").symlink_to(outside)
    assert files.journal is not None
    failures = files.journal.undo()
    assert any("made/new.txt" in failure for failure in failures), failures
    assert (outside / "new.txt").read_text() == "someone else's"


def test_helpers_outside_a_run_obey_the_guard_and_keep_bak_beside_allowed_files(
    project: Path, outside: Path
) -> None:
    class Settings(HooksMigration):
        name = "rel_direct"

        def migrate(self) -> MigrationResult:
            return MigrationResult(success=True, message="")

    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"hooks": {}}')
    migration = Settings(project_root=project)
    migration.write_json(settings, {"hooks": {"x": []}})
    assert json.loads(settings.read_text()) == {"hooks": {"x": []}}
    assert (settings.parent / "settings.json.bak").read_text() == '{"hooks": {}}'
    with pytest.raises(PathRefused):
        migration.write_json(outside / "victim.txt", {})
    assert migration.rollback()
    assert settings.read_text() == '{"hooks": {}}'
    assert not (settings.parent / "settings.json.bak").exists()
    assert (outside / "victim.txt").read_text() == "untouched"


def test_plain_io_through_a_project_link_is_refused_in_a_run(
    project: Path, outside: Path, use_plugins: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real async-hooks migration of 1.12.11 wrote through such a link with plain I/O."""
    (project / ".claude").symlink_to(outside)
    (outside / "settings.json").write_text("{}")
    use_plugins("plain_io_pack")
    monkeypatch.setenv("KMM_PLAIN_IO", "write-link")
    report = run(Project(project), RunOptions())
    outcome = report.final()["rel_plain_write"]
    assert outcome.status is Status.FAILED
    assert f"--allow-path {outside}" in outcome.reason
    assert (outside / "settings.json").read_text() == "{}"
    allowed = run(Project(project, allow_paths=(outside,)), RunOptions())
    assert allowed.final()["rel_plain_write"].status is Status.APPLIED
    assert json.loads((outside / "settings.json").read_text()) == {"written": True}
