"""What invalidates the idle stamp, and what does not: behaviour, in process, on real files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kuzu_memory_migrations import auto_migrate
from kuzu_memory_migrations.engine import fastpath
from kuzu_memory_migrations.engine.layout import ProjectLayout

ORDERED_PACK = Path(__file__).parents[1] / "plugins" / "ordered_pack.py"
REPOSITORY = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def host_like_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """sys.path as a host has it: pytest also puts the working tree there, which changes
    whenever a file is added beside the tests (and a changed folder is never idle)."""
    monkeypatch.syspath_prepend(str(ORDERED_PACK.parent))  # saves sys.path for the undo
    working_tree = {str(REPOSITORY), str(REPOSITORY / "tests"), str(Path(__file__).parent)}
    sys.path[:] = [entry for entry in sys.path if entry not in working_tree]


@pytest.fixture
def idle(project: Path, use_plugins: Callable[..., None]) -> Iterator[Path]:
    """A project that `auto_migrate` has brought to idle (its pack fails in part: by design)."""
    use_plugins("ordered_pack")
    (project / ".kuzu-memory" / "config.json").write_text("{}")
    (project / ".kuzu-memory" / "keep.txt").write_text("precious")
    assert auto_migrate(project).status == "done"
    assert auto_migrate(project).status == "idle"
    yield project


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Folders made by the test itself count as settled (the racy-window test checks that)."""
    monkeypatch.setattr(fastpath, "RACY_NS", 0)


def path_folder(monkeypatch: pytest.MonkeyPatch, folder: Path, index: int = 1) -> None:
    """Put `folder` on sys.path where site folders are (sys.path[0] is the script's)."""
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.syspath_prepend(str(folder))  # saves sys.path, restored after the test
    sys.path.remove(str(folder))
    sys.path.insert(index, str(folder))


def state_file(root: Path) -> Path:
    return ProjectLayout(root).state_file


def test_state_put_back_with_same_inode_size_and_mtime_is_seen(idle: Path) -> None:
    state = state_file(idle)
    before = os.stat(state)
    data = state.read_bytes()
    changed = data.replace(b"alpha added", b"ALPHA ADDED")
    assert changed != data and len(changed) == len(data)
    with state.open("r+b") as handle:  # in place, as `cp -p` from an older copy would
        handle.write(changed)
    os.utime(state, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(state)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )
    assert auto_migrate(idle).status == "done"


def test_a_state_rewritten_by_another_tool_is_checked_again(idle: Path) -> None:
    state = state_file(idle)
    copy = state.with_name("copy.json")
    shutil.copy2(state, copy)
    copy.replace(state)  # same bytes, same mtime, another file
    assert fastpath.quiet(str(idle)) is None
    assert auto_migrate(idle).status == "done"
    assert auto_migrate(idle).status == "idle"


@pytest.mark.parametrize("change", ["journal", "records"])
def test_a_journal_or_a_change_of_the_records_is_never_idle(idle: Path, change: str) -> None:
    layout = ProjectLayout(idle)
    if change == "journal":
        layout.journal_dir.mkdir()
    else:
        with sqlite3.connect(layout.records) as db:  # as a run that recorded something
            db.execute("PRAGMA journal_mode=DELETE")
            db.execute("INSERT INTO meta VALUES ('touched', '1')")
    assert fastpath.quiet(str(idle)) is None


def test_a_deleted_state_file_is_never_idle(idle: Path) -> None:
    state_file(idle).unlink()
    assert fastpath.quiet(str(idle)) is None


def test_two_environments_both_stay_idle_without_rewriting_the_state(
    idle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = state_file(idle)
    written = fastpath.signature(str(state))
    monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_DISABLE", "some-other-pack")  # environment B
    assert auto_migrate(idle).status == "done"
    assert auto_migrate(idle).status == "idle"
    monkeypatch.delenv("KUZU_MEMORY_MIGRATIONS_DISABLE")  # back to A: no ping-pong
    assert auto_migrate(idle).status == "idle"
    assert fastpath.signature(str(state)) == written  # a run with nothing to do wrote nothing


def test_a_state_change_by_one_environment_makes_the_others_check_again(
    idle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "extra_pack.py").write_text(
        "from kuzu_memory_migrations import Migration, MigrationResult, hookimpl\n"
        "class Extra(Migration):\n"
        "    name = 'extra_only_in_b'\n"
        "    def migrate(self):\n"
        "        return MigrationResult(success=True, message='b ran')\n"
        "@hookimpl\n"
        "def register_migrations():\n"
        "    return [Extra]\n"
    )
    monkeypatch.syspath_prepend(str(extra))
    monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_PLUGINS", "ordered_pack,extra_pack")
    assert auto_migrate(idle).applied == ("extra_only_in_b",)
    monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_PLUGINS", "ordered_pack")
    assert fastpath.quiet(str(idle)) is None


def test_a_deferral_is_retried_after_its_window_and_changes_count_within_it(idle: Path) -> None:
    layout = ProjectLayout(idle)
    fastpath.write_stamp(layout, fastpath.Snapshot(), retry_in=3600)
    assert fastpath.quiet(str(idle)) is not None
    layout.journal_dir.mkdir()
    assert fastpath.quiet(str(idle)) is None  # inside the window, a change still counts
    layout.journal_dir.rmdir()
    fastpath.write_stamp(layout, fastpath.Snapshot(), retry_in=-1)
    assert fastpath.quiet(str(idle)) is None


def test_a_distribution_added_to_a_folder_on_the_path_is_seen(
    project: Path,
    use_plugins: Callable[..., None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settled: None,
) -> None:
    site = tmp_path / "site-packages"
    path_folder(monkeypatch, site)
    use_plugins("ordered_pack")
    auto_migrate(project)
    assert auto_migrate(project).status == "idle"
    (site / "new_pack-1.0.dist-info").mkdir()
    assert fastpath.quiet(str(project)) is None


def test_a_new_folder_on_the_path_is_seen(
    idle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user site created by `pip install --user`, or a path a new .pth file adds."""
    path_folder(monkeypatch, tmp_path / "user-site", index=len(sys.path))
    assert fastpath.quiet(str(idle)) is None


def test_editing_a_pack_checkout_is_seen(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    settled: None,
) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    shutil.copy(ORDERED_PACK, checkout / "checkout_pack.py")
    monkeypatch.syspath_prepend(str(checkout))
    monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD", "1")
    monkeypatch.setenv("KUZU_MEMORY_MIGRATIONS_PLUGINS", "checkout_pack")
    auto_migrate(project)
    assert auto_migrate(project).status == "idle"
    with (checkout / "checkout_pack.py").open("a") as handle:
        handle.write("# a migration added here, without any install\n")
    assert fastpath.quiet(str(project)) is None


def test_a_change_just_before_a_run_stamps_nothing_until_it_settles(
    project: Path,
    use_plugins: Callable[..., None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = tmp_path / "site-packages"
    path_folder(monkeypatch, site)
    (site / "just_installed-1.0.dist-info").mkdir()  # the same timestamp tick may hide more
    use_plugins("ordered_pack")
    auto_migrate(project)
    assert auto_migrate(project).status == "done"
    time.sleep(fastpath.RACY_NS / 1e9)
    assert auto_migrate(project).status == "done"
    assert auto_migrate(project).status == "idle"


def test_a_copied_project_is_checked_again(idle: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(idle, copy, copy_function=shutil.copy2)
    assert fastpath.quiet(str(copy)) is None
    assert fastpath.quiet(str(idle)) is not None
