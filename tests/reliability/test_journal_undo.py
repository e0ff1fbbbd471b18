"""Undo puts back bytes and modes exactly, across links and file systems, and survives crashes."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from kuzu_memory_migrations.engine.atomic import append_durably, atomic_write
from kuzu_memory_migrations.engine.files import FileOps
from kuzu_memory_migrations.engine.guard import PathGuard
from kuzu_memory_migrations.engine.journal import Journal
from reliability_support import digest_tree


def ops(root: Path, *declared: Path, allowed: tuple[Path, ...] = ()) -> FileOps:
    guard = PathGuard.build("m", root, declared, allowed)
    journal = Journal.create(
        root / ".kuzu-memory" / "migrations" / "journal" / "j",
        root.parent / "user-side",
        project_root=str(root),
        migration="m",
        declared=[str(p) for p in guard.declared],
        allowed=[str(p) for p in allowed],
    )
    return FileOps(guard, journal)


def tree(root: Path) -> dict[str, str]:
    return digest_tree(root, skip=(".kuzu-memory/migrations",))


def test_bytes_modes_and_created_folders_come_back(project: Path) -> None:
    config = project / ".kuzu-memory" / "config.json"
    config.write_text("{}")
    config.chmod(0o640)
    secret = project / "private"
    secret.mkdir(mode=0o750)
    (secret / "key").write_bytes(b"\x00\xff binary")
    (secret / "key").chmod(0o600)
    before = tree(project)

    files = ops(project)
    files.write_bytes(config, b'{"changed": true}')
    files.write_bytes("new/deeper/file.bin", b"created")
    files.mkdir("made/here")
    files.remove(secret)
    files.move(".kuzu-memory/config.json", "moved.json")
    assert tree(project) != before
    assert files.journal is not None
    files.journal.undo()
    assert tree(project) == before
    files.journal.undo()  # a crash during undo is finished by undoing again
    assert tree(project) == before


def test_a_write_through_a_symlink_keeps_the_link(project: Path, tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "settings.json").write_text('{"mine": 1}')
    link = project / ".claude" / "settings.json"
    link.parent.mkdir()
    link.symlink_to(dotfiles / "settings.json")

    files = ops(project, allowed=(dotfiles,))
    files.write_bytes(link, b'{"mine": 2}')
    assert link.is_symlink() and (dotfiles / "settings.json").read_text() == '{"mine": 2}'
    assert files.journal is not None
    files.journal.undo()
    assert link.is_symlink() and (dotfiles / "settings.json").read_text() == '{"mine": 1}'


def test_atomic_write_writes_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_text("old")
    target.chmod(0o604)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write(link, b"new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]


def test_removed_and_moved_trees_on_another_file_system_come_back(
    project: Path, tmpfs: Callable[[str], Path]
) -> None:
    other = tmpfs("8m")
    (other / "tree" / "sub").mkdir(parents=True)
    (other / "tree" / "sub").chmod(0o710)
    (other / "tree" / "sub" / "a.txt").write_text("a")
    (other / "tree" / "link").symlink_to("sub/a.txt")
    (other / "single.txt").write_text("single")
    (other / "single.txt").chmod(0o444)
    (project / "olddata").mkdir()
    (project / "olddata" / "memories.txt").write_text("memories")
    before = tree(project) | digest_tree(other)

    files = ops(project, other)
    files.remove(other / "tree")  # stashed into the journal, on the project's file system
    files.move(other / "single.txt", "came/over.txt")
    files.move("olddata", other / "olddata")
    assert not (other / "tree").exists() and (project / "came" / "over.txt").exists()
    assert files.journal is not None
    files.journal.undo()
    assert tree(project) | digest_tree(other) == before


def test_a_move_across_file_systems_cut_short_is_finished_by_undo(
    project: Path, tmpfs: Callable[[str], Path]
) -> None:
    other = tmpfs("8m")
    (other / "notes").mkdir()
    (other / "notes" / "n.txt").write_text("notes")
    (other / "whole.txt").write_text("whole")
    before = digest_tree(other)
    files = ops(project, other)
    assert files.journal is not None
    # Killed while deleting the source, after its copy in the journal was complete:
    files.remove(other / "notes")
    (other / ".notes.kmm-trash").mkdir()
    (other / ".notes.kmm-trash" / "half-deleted").write_text("junk")
    # Killed while copying, the source still whole:
    whole = {"kind": "stash", "path": str(other / "whole.txt"), "copy": "files/9", "outside": True}
    files.journal._append(whole)
    user_side = files.journal._external_base() / "files"  # outside files' copies go there
    (user_side / ".9.kmm-partial").write_text("half a copy")

    assert files.journal.undo() == []
    assert digest_tree(other) == before
    assert not list(files.journal.directory.rglob("*.kmm-*"))
    assert not list(user_side.rglob("*.kmm-*"))


def test_a_torn_last_line_is_cut_before_the_next_append(tmp_path: Path) -> None:
    log = tmp_path / "state.log"
    log.write_bytes(b'{"event": "one"}\n{"event": "tw')  # a power loss mid-append
    append_durably(log, '{"event": "three"}')
    assert log.read_text().splitlines() == ['{"event": "one"}', '{"event": "three"}']


def test_a_full_disk_leaves_the_target_and_the_log_whole(
    tmpfs: Callable[[str], Path],
) -> None:
    disk = tmpfs("64k")
    target = disk / "config.json"
    target.write_text('{"kept": true}')
    with pytest.raises(OSError) as raised:
        atomic_write(target, b"x" * 200_000)
    assert raised.value.errno == errno.ENOSPC and str(target) in str(raised.value)
    assert target.read_text() == '{"kept": true}'
    assert sorted(p.name for p in disk.iterdir()) == ["config.json"]

    log = disk / "journal.jsonl"
    append_durably(log, "first")
    with pytest.raises(OSError):
        append_durably(log, "x" * 200_000)
    assert log.read_text() == "first\n"


def test_journals_and_backups_are_private(project: Path, tmp_path: Path) -> None:
    files = ops(project, tmp_path / "outside.json")
    assert files.journal is not None
    assert not files.journal.started, "a journal exists before the first change"
    (tmp_path / "outside.json").write_text('{"secret": "token"}')
    files.write_bytes(".kuzu-memory/config.json", b"{}")
    files.write_bytes(tmp_path / "outside.json", b"{}")
    user_side = files.journal._external_base()
    assert not list(project.joinpath(".kuzu-memory").rglob("*outside*"))
    copies = [p.read_bytes() for p in files.journal.directory.rglob("files/*")]
    assert b'{"secret": "token"}' not in copies, "a copy of a file outside the project is in it"
    assert (user_side / "files").is_dir()
    assert b'{"secret": "token"}' in [p.read_bytes() for p in (user_side / "files").iterdir()]
    for folder in (files.journal.directory, files.journal.directory / "files", user_side):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert os.stat(project / ".kuzu-memory" / "migrations" / "journal" / "j").st_uid == os.getuid()
