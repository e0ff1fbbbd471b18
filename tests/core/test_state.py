"""The state file: legacy shape both ways, our block beside it, log folding, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kuzu_memory_migrations.engine.layout import ProjectLayout
from kuzu_memory_migrations.engine.state import (
    MAX_FAILED_ENTRIES,
    StateError,
    StateStore,
    history_entry,
)

LEGACY = {
    "last_version": "1.8.0",
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


def store_for(project: Path) -> StateStore:
    return StateStore(ProjectLayout(project))


def test_a_legacy_state_is_read_as_is(project: Path) -> None:
    (project / ".kuzu-memory" / "migration_state.json").write_text(json.dumps(LEGACY))
    state = store_for(project).load()
    assert state.last_version == "1.8.0"
    assert state.applied_names() == {"cleanup_old_logs_v1.8.0"}


def test_what_we_write_is_still_legacy_readable(project: Path) -> None:
    (project / ".kuzu-memory" / "migration_state.json").write_text(json.dumps(LEGACY))
    store = store_for(project)
    state = store.load()
    store.log(
        state,
        {
            "event": "applied",
            "name": "new_one",
            "entry": history_entry("new_one", "1.9.0", "data", True, "ok", ["x"]),
            "provenance": {"distribution": "pack", "how": "run"},
        },
    )
    store.save(state)
    written = json.loads((project / ".kuzu-memory" / "migration_state.json").read_text())
    # The old system did `MigrationHistory(**entry)` and `data.get(...)`: exact keys only.
    legacy_keys = {
        "name",
        "version",
        "migration_type",
        "timestamp",
        "success",
        "message",
        "changes",
    }
    assert all(set(entry) == legacy_keys for entry in written["history"])
    assert written["history"][:2] == LEGACY["history"]
    assert written["kuzu_memory_migrations"]["applied"]["new_one"]["distribution"] == "pack"


def test_logged_events_survive_a_crash_before_the_fold(project: Path) -> None:
    store = store_for(project)
    state = store.load()
    store.log(
        state,
        {
            "event": "applied",
            "name": "m1",
            "entry": history_entry("m1", "1.0", "config", True, "ok"),
            "provenance": {},
        },
    )
    # no save(): the process "died"; a torn line follows the complete one
    with (ProjectLayout(project).state_log).open("a") as log:
        log.write('{"event": "applied", "na')
    assert store_for(project).load().applied_names() == {"m1"}


def test_repeated_failures_are_counted_not_appended(project: Path) -> None:
    store = store_for(project)
    state = store.load()
    for _ in range(5):
        store.log(
            state,
            {
                "event": "failed",
                "name": "flaky",
                "fingerprint": "abc",
                "entry": history_entry("flaky", "1.0", "config", False, "nope"),
            },
        )
    assert [e.name for e in state.history] == ["flaky"]
    assert state.framework.failures["flaky"].count == 5


def test_failed_entries_rotate_out_successful_ones_stay(project: Path) -> None:
    store = store_for(project)
    state = store.load()
    state.apply_event(
        {
            "event": "applied",
            "name": "keeper",
            "entry": history_entry("keeper", "1.0", "config", True, "ok"),
            "provenance": {},
        }
    )
    for index in range(MAX_FAILED_ENTRIES + 50):
        state.apply_event(
            {
                "event": "failed",
                "name": f"f{index}",
                "fingerprint": None,
                "entry": history_entry(f"f{index}", "1.0", "config", False, "x"),
            }
        )
    failed = [e for e in state.history if not e.success]
    assert len(failed) == MAX_FAILED_ENTRIES
    assert failed[-1].name == f"f{MAX_FAILED_ENTRIES + 49}"
    assert "keeper" in state.applied_names()


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"", "line 1"),
        (b'{"last_version": "1.0", "history": [', "line 1"),
        (b'{"last_version": 3, "history": "nope"}', "last_version"),
        (b"[1, 2]", "expected a JSON object"),
    ],
)
def test_a_corrupt_state_is_refused_and_kept(project: Path, content: bytes, detail: str) -> None:
    path = project / ".kuzu-memory" / "migration_state.json"
    path.write_bytes(content)
    with pytest.raises(StateError) as raised:
        store_for(project).load()
    assert str(path) in str(raised.value) and detail in str(raised.value)
    assert "reset" in str(raised.value)  # the way out
    assert path.read_bytes() == content


def test_a_newer_format_is_refused(project: Path) -> None:
    path = project / ".kuzu-memory" / "migration_state.json"
    path.write_text(json.dumps({**LEGACY, "kuzu_memory_migrations": {"format": 99}}))
    with pytest.raises(StateError, match="newer kuzu-memory-migrations"):
        store_for(project).load()


def test_unknown_top_level_keys_are_kept(project: Path) -> None:
    path = project / ".kuzu-memory" / "migration_state.json"
    path.write_text(json.dumps({**LEGACY, "someone_elses": {"keep": True}}))
    store = store_for(project)
    store.save(store.load())
    assert json.loads(path.read_text())["someone_elses"] == {"keep": True}
