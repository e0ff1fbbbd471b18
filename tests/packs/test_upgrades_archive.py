"""Memories kuzu-memory 1.12.11 would purge: archived by archive_expired_v1.9.0, restored by
`kuzu-memory-archive`, on real Kuzu databases aged as two months of kuzu-memory 1.6 leave them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import kuzu
import pytest
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.engine.runner import Mode
from kuzu_memory_migrations.testing.projects import build_project_1_6, held_open, memory_rows
from kuzu_memory_migrations.testing.snapshot import snapshot
from packs_support import migrate, outcome

pytestmark = pytest.mark.usefixtures("upgrades")

NAME = "archive_expired_v1.9.0"
DETAILS = Path(".kuzu-memory/archived_memories.json")
VISIBLE = "m.valid_to IS NULL OR m.valid_to > $now"
"""1.12.11's recall filter (recall/strategies.py:243, 313, 434, 535, 736)."""


def _connect(db: Path) -> tuple[Any, Any]:
    database = kuzu.Database(str(db))
    return database, kuzu.Connection(database)


def _rows(db: Path, cypher: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    database, connection = _connect(db)
    try:
        result = connection.execute(cypher, parameters or {})
        names = result.get_column_names()
        rows = []
        while result.has_next():
            rows.append(dict(zip(names, result.get_next(), strict=True)))
        return rows
    finally:
        connection.close()
        database.close()


def _run(db: Path, *statements: tuple[str, dict[str, Any]]) -> None:
    database, connection = _connect(db)
    try:
        for cypher, parameters in statements:
            connection.execute(cypher, parameters)
    finally:
        connection.close()
        database.close()


def aged_project(root: Path, *, memories: int = 6) -> dict[str, str]:
    """A 1.6 project whose memories were stored 60 days ago, one of them kept fresh.

    As kuzu-memory 1.6's `generate_memories` leaves them: MENTIONS edges to entities; and a
    RELATES_TO edge (1.12 makes those) between two old rows, one between an old and the fresh
    one. Returns label -> memory id.
    """
    db = build_project_1_6(root, memories=memories, now=datetime.now() - timedelta(days=60))
    ids = [row["id"] for row in memory_rows(db)]
    fresh = datetime.now() - timedelta(days=2)
    _run(
        db,
        (
            "MATCH (m:Memory) WHERE m.id = $id SET m.created_at = $t, m.valid_to = $until",
            {"id": ids[-1], "t": fresh, "until": fresh + timedelta(days=30)},
        ),
        (
            "CREATE (:Entity {id: 'PostgreSQL:technology', name: 'PostgreSQL', "
            "entity_type: 'technology', normalized_name: 'postgresql'})",
            {},
        ),
        (
            "MATCH (m:Memory), (e:Entity) WHERE m.id IN $ids CREATE (m)-[:MENTIONS "
            "{confidence: 0.95, extraction_method: 'pattern'}]->(e)",
            {"ids": [ids[1], ids[2], ids[-1]]},
        ),
        (
            "MATCH (a:Memory), (b:Memory) WHERE a.id = $a AND b.id = $b CREATE (a)-[:RELATES_TO "
            "{relationship_type: 'shared_entity', strength: 0.7, created_at: $t}]->(b)",
            {"a": ids[1], "b": ids[2], "t": fresh},
        ),
        (
            "MATCH (a:Memory), (b:Memory) WHERE a.id = $a AND b.id = $b CREATE (a)-[:RELATES_TO "
            "{relationship_type: 'shared_entity', strength: 0.4, created_at: $t}]->(b)",
            {"a": ids[-1], "b": ids[3], "t": fresh},
        ),
    )
    return {"init": ids[0], "mentions": ids[1], "both": ids[2], "related": ids[3], "fresh": ids[-1]}


@pytest.fixture
def aged(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    root = tmp_path / "proj"
    yield root, aged_project(root)


def _database(root: Path) -> Path:
    return root / ".kuzu-memory" / "memories.db"


def _visible(root: Path) -> set[str]:
    rows = _rows(
        _database(root),
        f"MATCH (m:Memory) WHERE {VISIBLE} RETURN m.id AS id",
        {"now": datetime.now()},
    )
    return {row["id"] for row in rows}


def _archived(root: Path) -> dict[str, dict[str, Any]]:
    rows = _rows(_database(root), "MATCH (a:ArchivedMemory) RETURN a")
    return {
        row["a"]["original_id"]: {k: v for k, v in row["a"].items() if not k.startswith("_")}
        for row in rows
    }


def _restore(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    import contextlib
    import io

    from kuzu_memory_upgrades.archive_cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["restore", "--project-root", str(root), "--json", *args])
    return code, json.loads(out.getvalue())


def test_expired_rows_move_to_the_archive_in_1_12s_shape(aged: tuple[Path, dict[str, str]]) -> None:
    root, ids = aged
    before = {row["id"]: row for row in memory_rows(root / "kuzu-memories" / "memories.db")}
    started = datetime.now()

    report = migrate(root)

    assert report.ok, report
    result = outcome(report, NAME)
    assert result.status is Status.APPLIED
    assert result.reason == "Archived 5 expired memory(ies); set valid_from on 1"
    assert "5 edge(s) recorded" in result.changes[0]
    # Memory keeps the fresh row only; nothing 1.12.11 would purge is left there.
    assert {row["id"] for row in memory_rows(_database(root))} == {ids["fresh"]}
    archived = _archived(root)
    assert set(archived) == set(before) - {ids["fresh"]}
    for original, row in archived.items():
        old = before[original]
        assert re.fullmatch(rf"archive-{re.escape(original)}-\d{{10}}", row["id"])
        assert row["prune_reason"] == f"Expired (valid_to={old['valid_to']:%Y-%m-%d %H:%M:%S})"
        assert started - timedelta(seconds=5) <= row["archived_at"] <= datetime.now()
        assert row["expires_at"] - row["archived_at"] == timedelta(days=30)
        assert 0.0 < row["prune_score"] < 1.0
        for column in ("content", "memory_type", "source_type", "created_at", "confidence"):
            assert row[column] == old[column], column
        assert row["content_hash"] and row["knowledge_type"] == "note"
    # The fresh row got the valid_from 1.12 writes; its edges to archived rows are recorded.
    (fresh,) = memory_rows(_database(root))
    assert fresh["valid_from"] == fresh["created_at"]
    details = json.loads((root / DETAILS).read_text())["archives"]
    by_original = {entry["original_id"]: entry for entry in details.values()}
    assert set(by_original) == set(archived)
    edges = {e["table"] for e in by_original[ids["both"]]["edges"]}
    assert edges == {"MENTIONS", "RELATES_TO"}  # in from `mentions`, out to the entity
    assert by_original[ids["related"]]["edges"][0]["other"] == ids["fresh"]
    assert by_original[ids["init"]]["memory"]["metadata"] == before[ids["init"]]["metadata"]
    assert _rows(_database(root), "MATCH ()-[r:MENTIONS]->() RETURN count(r) AS n")[0]["n"] == 1


def test_a_dry_run_counts_them_and_changes_nothing(
    aged: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, _ = aged
    before = snapshot(tmp_path, framework=True, databases="bytes")

    report = migrate(root, Mode.DRY_RUN)

    assert snapshot(tmp_path, framework=True, databases="bytes") == before
    result = outcome(report, NAME)
    assert result.status is Status.PENDING
    assert result.reason == "Would archive 5 expired memory(ies); would set valid_from on 1"


def test_a_second_run_finds_nothing(aged: tuple[Path, dict[str, str]]) -> None:
    root, _ = aged
    assert migrate(root).ok
    before = snapshot(root)

    again = migrate(root)

    assert again.ok and not any(o.status is Status.APPLIED for o in again.outcomes)
    assert snapshot(root) == before
    from kuzu_memory_upgrades.v1_9_0_archive_expired import ArchiveExpiredMigration

    assert not ArchiveExpiredMigration(project_root=root).check_applicable()


def test_a_failure_after_archiving_puts_database_and_details_back(
    aged: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = aged
    monkeypatch.setenv("PACKS_TEST_VETO", NAME)
    assert outcome(migrate(root), NAME).status is Status.VETOED
    monkeypatch.delenv("PACKS_TEST_VETO")
    before = snapshot(root)  # databases by content: a read-write open rewrites the file

    monkeypatch.setenv("PACKS_TEST_FAIL_AFTER", NAME)
    failed = migrate(root)

    assert outcome(failed, NAME).status is Status.FAILED
    assert snapshot(root) == before
    assert not (root / DETAILS).exists()
    monkeypatch.delenv("PACKS_TEST_FAIL_AFTER")
    assert outcome(migrate(root), NAME).status is Status.APPLIED
    assert len(_archived(root)) == 5


def test_keep_clears_valid_to_instead(aged: tuple[Path, dict[str, str]]) -> None:
    root, ids = aged
    config = root / ".kuzu-memory" / "config.yaml"
    config.write_text(config.read_text() + "\nkuzu_memory_upgrades:\n  expired_memories: keep\n")

    report = migrate(root)

    assert outcome(report, NAME).reason == "Kept 5 expired memory(ies) active; set valid_from on 6"
    rows = memory_rows(_database(root))
    assert len(rows) == 6 and not _archived(root)
    assert _visible(root) == {row["id"] for row in rows}
    assert all(row["valid_from"] == row["created_at"] for row in rows)
    assert all(row["valid_to"] is None for row in rows if row["id"] != ids["fresh"])
    assert not (root / DETAILS).exists()


def test_an_unknown_choice_fails_naming_the_file(aged: tuple[Path, dict[str, str]]) -> None:
    root, _ = aged
    config = root / ".kuzu-memory" / "config.yaml"
    config.write_text(config.read_text() + "\nkuzu_memory_upgrades:\n  expired_memories: drop\n")

    report = migrate(root)

    result = outcome(report, NAME)
    assert result.status is Status.FAILED
    assert "kuzu_memory_upgrades.expired_memories is 'drop'" in result.reason
    assert str(config) in result.reason
    assert len(memory_rows(_database(root))) == 6  # rolled back: nothing archived


def test_restore_puts_a_memory_back_as_1_12_recalls_it(aged: tuple[Path, dict[str, str]]) -> None:
    root, ids = aged
    old = {row["id"]: row for row in memory_rows(root / "kuzu-memories" / "memories.db")}
    assert migrate(root).ok

    code, answer = _restore(root, ids["both"])

    assert code == 0
    (result,) = answer["results"]
    assert result["status"] == "restored" and result["memory_id"] == ids["both"]
    assert result["edges"] == 1  # its MENTIONS; RELATES_TO waits for `mentions`
    assert ids["both"] in _visible(root)
    row = next(r for r in memory_rows(_database(root)) if r["id"] == ids["both"])
    assert row["valid_from"] is not None and row["valid_to"] is None
    for column in ("content", "created_at", "memory_type", "user_id", "agent_id", "source_type"):
        assert row[column] == old[ids["both"]][column], column
    assert json.loads(row["metadata"])["restored_from"].startswith(f"archive-{ids['both']}-")
    assert ids["both"] not in _archived(root)
    details = json.loads((root / DETAILS).read_text())["archives"]
    assert ids["both"] not in {entry["original_id"] for entry in details.values()}

    # Restoring the other end re-creates the RELATES_TO edge between them, once.
    code, answer = _restore(root, ids["mentions"])
    assert code == 0 and answer["results"][0]["edges"] == 2
    relates = _rows(
        _database(root),
        "MATCH (a:Memory)-[r:RELATES_TO]->(b:Memory) RETURN a.id AS a, b.id AS b, r.strength AS s",
    )
    assert [(r["a"], r["b"]) for r in relates] == [(ids["mentions"], ids["both"])]
    assert relates[0]["s"] == pytest.approx(0.7)


def test_restore_all_then_nothing_is_left_archived(aged: tuple[Path, dict[str, str]]) -> None:
    root, _ = aged
    before = {row["id"] for row in memory_rows(root / "kuzu-memories" / "memories.db")}
    assert migrate(root).ok

    code, answer = _restore(root, "--all")

    assert code == 0
    assert {r["status"] for r in answer["results"]} == {"restored"}
    assert _visible(root) == before
    assert not _archived(root)
    assert json.loads((root / DETAILS).read_text())["archives"] == {}
    edges = _rows(_database(root), "MATCH ()-[r]->() RETURN label(r) AS t, count(r) AS n")
    assert {row["t"]: row["n"] for row in edges} == {"MENTIONS": 3, "RELATES_TO": 2}


def test_restore_leaves_a_memory_archived_when_its_content_is_active(
    aged: tuple[Path, dict[str, str]],
) -> None:
    root, ids = aged
    assert migrate(root).ok
    archived = _archived(root)[ids["init"]]
    # What 1.12.11 does when the same sentence is stored again after the upgrade.
    _run(
        _database(root),
        (
            "CREATE (:Memory {id: 'new-one', content: $c, content_hash: $h, valid_from: $t})",
            {"c": archived["content"], "h": archived["content_hash"], "t": datetime.now()},
        ),
    )

    code, answer = _restore(root, archived["id"])

    assert code == 1
    assert answer["results"][0]["status"] == "skipped"
    assert "the same content is active as new-one" in answer["results"][0]["reason"]
    assert ids["init"] in _archived(root)


def test_restore_dry_run_changes_nothing(aged: tuple[Path, dict[str, str]]) -> None:
    root, _ = aged
    assert migrate(root).ok
    before = snapshot(root, databases="bytes")

    code, answer = _restore(root, "--all", "--dry-run")

    assert code == 0 and answer["dry_run"] is True
    assert len(answer["results"]) == 5
    assert snapshot(root, databases="bytes") == before


def test_restore_reports_a_database_held_open(aged: tuple[Path, dict[str, str]]) -> None:
    root, ids = aged
    assert migrate(root).ok
    from kuzu_memory_upgrades.archive_cli import EXIT_BUSY, main

    with held_open(_database(root)):
        assert main(["restore", "--project-root", str(root), ids["init"]]) == EXIT_BUSY
    assert ids["init"] in _archived(root)


def test_legacy_names_of_the_pack() -> None:
    from kuzu_memory_upgrades.plugin import MIGRATIONS

    declared = {m.name: getattr(m, "legacy_names", ()) for m in MIGRATIONS}
    assert declared["content_hash_backfill_v1.9.0"] == ("data_maintenance_v1.9.0",)
    assert declared["cleanup_logs_v1.8.0"] == ("cleanup_old_logs_v1.8.0",)
    # With the names the pack shares with 1.12.11, every built-in migration is covered.
    carried = set(declared) | {name for names in declared.values() for name in names}
    assert {
        "async_hooks_v1.6.33",
        "knowledge_type_v1.6.45",
        "project_tag_v1.6.46",
        "bash_hooks_v1.7.0",
        "config_defaults_v1.7.0",
        "cleanup_old_logs_v1.8.0",
        "schema_columns_v1.8.1",
        "data_maintenance_v1.9.0",
    } <= carried
