"""Helpers touch the project and the paths a migration declares, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from kuzu_memory_migrations.engine.files import FileOps, PathOutsideProject
from kuzu_memory_migrations.engine.journal import Journal


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim.txt").write_text("untouched")
    return folder


def guarded(project: Path, *declared: Path) -> FileOps:
    journal = Journal.begin(project / ".kuzu-memory" / "migrations" / "journal" / "j")
    return FileOps(project, "rel_guarded", declared, journal=journal)


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
        "write": lambda: files.write_text(target, "overwritten"),
        "mkdir": lambda: files.mkdir(target / "sub"),
        "remove": lambda: files.remove(target),
        "move from": lambda: files.move(target, "stolen.txt"),
        "move to": lambda: files.move("mine.txt", target),
    }
    if action in {"remove", "move from", "move to"} and case == "a link to a file outside":
        assert calls[action]()  # the link itself is inside: it may go (undoably)
        assert (outside / "victim.txt").read_text() == "untouched"
        return
    with pytest.raises(PathOutsideProject) as refused:
        calls[action]()
    assert "rel_guarded" in str(refused.value) and "outside" in str(refused.value)
    assert (outside / "victim.txt").read_text() == "untouched"
    assert (project / "mine.txt").read_text() == "mine"


def test_declared_paths_are_allowed_and_nothing_beside_them(project: Path, outside: Path) -> None:
    files = guarded(project, outside / "victim.txt")
    files.write_text(outside / "victim.txt", "changed, as declared")
    with pytest.raises(PathOutsideProject):
        files.write_text(outside / "neighbour.txt", "not declared")


@pytest.mark.parametrize(
    "path", [".kuzu-memory/migrations/lock", ".kuzu-memory/migrations/backups/x", "."]
)
def test_the_framework_folder_and_what_holds_it_are_off_limits(project: Path, path: str) -> None:
    files = guarded(project)
    with pytest.raises(PathOutsideProject, match="own journal, backups and lock"):
        files.remove(path)
    with pytest.raises(PathOutsideProject, match="own journal, backups and lock"):
        files.move(".kuzu-memory", "elsewhere")
    files.write_text(".kuzu-memory/config.json", "{}")  # beside it is fine
