"""The records and the legacy file beside them: each side reads the other's, the host's own
entries are its own, bad files name themselves and keep their bytes."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from kuzu_memory_migrations.engine import legacy
from kuzu_memory_migrations.engine.errors import StateError
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.records import (
    AUDIT_EVENT,
    MAX_FAILED_ENTRIES,
    Applied,
    Failed,
    Provenance,
    Records,
    RolledBack,
    history_entry,
)
from kuzu_memory_migrations.engine.state import read_records, writable_records, write_legacy

LEGACY_KEYS = {"name", "version", "migration_type", "timestamp", "success", "message", "changes"}
HOST_FILE = {
    "last_version": "1.12.11",
    "history": [
        {
            "name": "cleanup_old_logs_v1.8.0",
            "version": "1.8.0",
            "migration_type": "cleanup",
            "timestamp": "2025-11-02T10:00:00",
            "success": True,
            "message": "Removed logs",
            "changes": ["Removed .kuzu-memory/logs"],
        },
        {
            "name": "bash_hooks_v1.7.0",
            "version": "1.7.0",
            "migration_type": "hooks",
            "timestamp": "2025-11-02T10:00:01",
            "success": False,
            "message": "Error: boom",
            "changes": [],
        },
    ],
}


def applied(name: str, distribution: str = "pack") -> Applied:
    return Applied(
        history_entry(name, "1.0", "config", True, f"{name} ok", ["x"]),
        Provenance(distribution=distribution, distribution_version="1.0", how="run"),
    )


def state_file(project: Path) -> Path:
    return ProjectLayout(project).state_file


def test_a_file_the_host_wrote_is_read_as_its_own(project: Path) -> None:
    state_file(project).write_text(json.dumps(HOST_FILE))
    records = read_records(ProjectLayout(project))
    assert records.applied_among(["cleanup_old_logs_v1.8.0", "bash_hooks_v1.7.0"]) == {
        "cleanup_old_logs_v1.8.0"
    }
    [row] = [r for r in records.history() if r.entry.success]
    assert row.outcome == "host" and row.provenance is None  # nothing invented for it
    assert records.meta("host_last_version") == "1.12.11"
    assert not ProjectLayout(project).work_dir.exists(), "reading created the private folder"


def test_the_legacy_file_keeps_the_old_shape_and_the_host_entries(project: Path) -> None:
    layout = ProjectLayout(project)
    state_file(project).write_text(json.dumps({**HOST_FILE, "someone_elses": {"keep": True}}))
    with writable_records(layout) as records:
        records.record(applied("new_one"))
        write_legacy(records, layout)
    written = json.loads(state_file(project).read_text())
    assert set(written) == {"last_version", "history", "someone_elses"}
    assert all(set(entry) == LEGACY_KEYS for entry in written["history"])
    assert written["history"][:2] == HOST_FILE["history"]
    assert written["history"][2]["name"] == "new_one"
    assert written["last_version"] == "1.12.11"
    assert written["someone_elses"] == {"keep": True}


def test_our_records_survive_the_host_rewriting_the_file(project: Path) -> None:
    """kuzu-memory 1.12.11 rewrites the file with its two keys, appending its own entry."""
    layout = ProjectLayout(project)
    with writable_records(layout) as records:
        records.record(applied("ours_v1"))
        write_legacy(records, layout)
    rewritten = json.loads(state_file(project).read_text())
    rewritten["history"].append({**HOST_FILE["history"][0], "timestamp": "2026-12-01T09:00:00"})
    state_file(project).write_text(json.dumps(rewritten))
    records = read_records(layout)
    rows = {row.entry.name: row for row in records.history()}
    assert rows["ours_v1"].provenance is not None
    assert rows["ours_v1"].provenance.distribution == "pack"
    assert rows["cleanup_old_logs_v1.8.0"].outcome == "host"
    with writable_records(layout) as records:
        assert len([r for r in records.history() if r.entry.name == "ours_v1"]) == 1


def test_reading_the_same_file_twice_adds_nothing(project: Path) -> None:
    layout = ProjectLayout(project)
    state_file(project).write_text(json.dumps(HOST_FILE))
    for _ in range(2):
        with writable_records(layout) as records:
            write_legacy(records, layout)
    with writable_records(layout) as records:
        assert len(records.history()) == 2


def test_aliases_are_written_for_the_host_and_count_as_applied(project: Path) -> None:
    layout = ProjectLayout(project)
    with writable_records(layout) as records:
        event = applied("content_hash_backfill_v1.9.0")
        records.record(Applied(event.entry, event.provenance, ("data_maintenance_v1.9.0",)))
        write_legacy(records, layout)
        assert records.applied_among(["data_maintenance_v1.9.0"]) == {"data_maintenance_v1.9.0"}
    names = [e["name"] for e in json.loads(state_file(project).read_text())["history"]]
    assert names == ["content_hash_backfill_v1.9.0", "data_maintenance_v1.9.0"]


def test_a_rollback_takes_the_migration_and_its_aliases_off(project: Path) -> None:
    layout = ProjectLayout(project)
    with writable_records(layout) as records:
        event = applied("m")
        records.record(Applied(event.entry, event.provenance, ("host_m",)))
        rollback = Provenance(distribution="pack", how="rollback")
        records.record(RolledBack(history_entry("m", "1.0", "config", False, "back"), rollback))
        first, alias, undone = records.history()
        assert undone.provenance == rollback
        # the rows of the undone run still say which pack and code did it
        assert first.provenance == alias.provenance == event.provenance
        write_legacy(records, layout)
        assert records.applied_among(["m", "host_m"]) == set()
        assert set(records.rolled_back(["m"])) == {"m"}
    assert json.loads(state_file(project).read_text())["history"] == []


def test_the_legacy_history_stays_bounded(project: Path) -> None:
    layout = ProjectLayout(project)
    with writable_records(layout) as records:
        records.record(*(applied(f"m{i:04d}") for i in range(legacy.LEGACY_KEPT + 30)))
        write_legacy(records, layout)
        assert len(records.applied_among(f"m{i:04d}" for i in range(legacy.LEGACY_KEPT + 30))) == (
            legacy.LEGACY_KEPT + 30
        )
    history = json.loads(state_file(project).read_text())["history"]
    assert len(history) == legacy.LEGACY_KEPT
    assert history[-1]["name"] == f"m{legacy.LEGACY_KEPT + 29:04d}"


def test_the_first_format_is_imported_once(project: Path) -> None:
    """Format 1 kept provenance inside migration_state.json, beside the two legacy keys."""
    entry = {**HOST_FILE["history"][0], "name": "ours_v1"}
    first = {
        "last_version": "1.12.11",
        "history": [HOST_FILE["history"][0], entry],
        "kuzu_memory_migrations": {
            "format": 1,
            "migrated_versions": {"pack": "2.0"},
            "applied": {"ours_v1": {"distribution": "pack", "how": "run", "run_id": "r1"}},
            "failures": {},
            "reference_fingerprints": {"ours_v1": "abc"},
        },
    }
    state_file(project).write_text(json.dumps(first))
    layout = ProjectLayout(project)
    with writable_records(layout) as records:
        rows = {row.entry.name: row for row in records.history()}
        assert rows["ours_v1"].outcome == "applied"
        assert rows["ours_v1"].provenance is not None and rows["ours_v1"].provenance.run_id == "r1"
        assert rows["cleanup_old_logs_v1.8.0"].outcome == "host"
        assert records.migrated_versions() == {"pack": "2.0"}
        assert records.references(["ours_v1"]) == {"ours_v1": "abc"}
        write_legacy(records, layout)
    assert "kuzu_memory_migrations" not in json.loads(state_file(project).read_text())
    with writable_records(layout) as records:
        assert len(records.history()) == 2


def test_repeated_failures_are_counted_not_appended(project: Path) -> None:
    with writable_records(ProjectLayout(project)) as records:
        for _ in range(5):
            records.record(
                Failed(history_entry("flaky", "1.0", "config", False, "nope"), "abc", "1.0")
            )
        assert [row.entry.name for row in records.history()] == ["flaky"]
        assert records.failures()["flaky"].count == 5


def test_failed_entries_rotate_out_successful_ones_stay(project: Path) -> None:
    with writable_records(ProjectLayout(project)) as records:
        records.record(applied("keeper"))
        records.record(
            *(
                Failed(history_entry(f"f{i}", "1.0", "config", False, "x"), None, None)
                for i in range(MAX_FAILED_ENTRIES + 50)
            )
        )
        failed = [row.entry.name for row in records.history() if not row.entry.success]
        assert len(failed) == MAX_FAILED_ENTRIES
        assert failed[-1] == f"f{MAX_FAILED_ENTRIES + 49}"
        assert records.applied_among(["keeper"]) == {"keeper"}


def test_history_reads_the_newest_entries_oldest_first(project: Path) -> None:
    with writable_records(ProjectLayout(project)) as records:
        records.record(*(applied(f"m{i}") for i in range(30)))
        assert [row.entry.name for row in records.history(limit=3)] == ["m27", "m28", "m29"]


CORRUPT = [
    (b"", "line 1"),
    (b'{"last_version": "1.0", "history": [', "line 1"),
    (b'{"last_version": 3, "history": "nope"}', "history is not a list"),
    (b'{"history": [{"name": 3}]}', "history[0]"),
    (b"[1, 2]", "a JSON object expected"),
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"history": []}\xff\xfe', "not UTF-8"),
]


@pytest.mark.parametrize(("content", "detail"), CORRUPT)
def test_a_corrupt_legacy_file_is_refused_and_kept(
    project: Path, content: bytes, detail: str
) -> None:
    path = state_file(project)
    path.write_bytes(content)
    with pytest.raises(StateError) as raised:
        read_records(ProjectLayout(project))
    message = str(raised.value)
    assert str(path) in message and detail in message
    assert "reset" in message  # the way out
    assert "\n" not in message
    assert path.read_bytes() == content


def test_a_corrupt_mirror_of_intact_records_is_rewritten_from_them_once_moved_aside(
    project: Path,
) -> None:
    """The way out offered is the one that keeps the history: not `reset`, which forgets it."""
    layout = ProjectLayout(project)
    with writable_records(layout) as records:
        records.record(applied("ours_v1"))
        write_legacy(records, layout)
    path = state_file(project)
    path.write_bytes(b'{"history": [')
    with pytest.raises(StateError) as raised:
        read_records(layout)
    message = str(raised.value)
    assert str(path) in message and str(layout.records) in message
    assert "move it aside and the next run writes it again from them" in message
    path.rename(path.with_name("migration_state.json.bad"))
    with writable_records(layout) as records:
        write_legacy(records, layout)
        assert [row.entry.name for row in records.history()] == ["ours_v1"]
    assert [e["name"] for e in json.loads(path.read_text())["history"]] == ["ours_v1"]


def test_corrupt_records_are_refused_and_kept(project: Path) -> None:
    path = ProjectLayout(project).records
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StateError) as raised:
        Records.open(path, create=True)
    assert str(path) in str(raised.value) and "reset" in str(raised.value)
    assert path.read_bytes() == b"not a database at all" * 100


@pytest.mark.parametrize("create", [True, False], ids=["to-write", "to-read"])
def test_records_truncated_to_nothing_are_refused_not_taken_as_new(
    project: Path, create: bool
) -> None:
    """0 bytes is what a disk or a hand can leave; read as fresh records, every applied
    migration would be forgotten (and pending again)."""
    path = ProjectLayout(project).records
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    with pytest.raises(StateError) as raised:
        Records.open(path, create=create)
    assert str(path) in str(raised.value) and "0 bytes" in str(raised.value)
    assert path.read_bytes() == b""


def test_new_records_appear_whole_or_not_at_all(project: Path) -> None:
    """Created beside their place and renamed into it: the one durable step is the rename."""
    path = ProjectLayout(project).records
    steps: list[bool] = []

    def on_commit(event: str, args: tuple[object, ...]) -> None:
        if event == AUDIT_EVENT and args == (str(path),):
            steps.append(path.exists())

    sys.addaudithook(on_commit)
    Records.open(path, create=True).close()
    assert steps[0] is False  # nothing at the records' place until they are complete
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_records_of_a_newer_format_are_refused(project: Path) -> None:
    path = ProjectLayout(project).records
    Records.open(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(StateError, match="newer kuzu-memory-migrations"):
        Records.open(path, create=True)
