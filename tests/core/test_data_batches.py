"""Data migrations read and write every row once, whatever the table's shape: `iter_nodes`
and `update_nodes` (storage offsets, gaps from deleted nodes, a where-condition, NULLs),
`iter_batches` (any query, and the key-paged queries written for it before), undone on
failure in both database modes; the buffer pool and the prepared statements a session
keeps are bounded. What keeps the cost per row flat is checked by what the engine is asked
(rows per page query, offsets per write, queries per loop), never by a clock: the speed is
measured by `nox -s bench`. Real databases, with Kuzu and with LadybugDB (the `engine`
fixture)."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from kuzu_memory_migrations import DataMigration, Migration, MigrationResult
from kuzu_memory_migrations.contract.access import DatabaseAccess
from kuzu_memory_migrations.contract.errors import DatabaseError
from kuzu_memory_migrations.contract.reports import MigrationOutcome, Status
from kuzu_memory_migrations.engine.database import (
    BUFFER_POOL_ENV,
    PREPARED_KEPT,
    DatabaseSession,
    buffer_pool_size,
)
from kuzu_memory_migrations.testing.harness import MigrationHarness, PackOf
from kuzu_memory_migrations.testing.projects import build_project_1_12
from kuzu_memory_migrations.testing.snapshot import database_digest

ITEMS = 1_000
GONE = {i for i in range(ITEMS) if i % 7 == 3} | set(range(400, 460))
"""Deleted before the migrations run: gaps in the storage offsets, one of them long."""
BLANK = {i for i in range(ITEMS) if i % 11 == 5} | set(range(900, 1000))
"""Rows whose text is NULL (a run of them at the end)."""


def item_id(index: int) -> str:
    return f"item-{index:05d}"


def text_of(index: int) -> str | None:
    return None if index in BLANK else f"Text {index}"


def build_items(root: Path, engine: str, count: int = ITEMS) -> Path:
    """A project whose database has `count` `Item` nodes, less `GONE`, texts NULL in `BLANK`."""
    path = build_project_1_12(root, memories=1, engine=engine)
    session = DatabaseSession(path, phase="write", mode="autocommit")
    try:
        session.execute(
            "CREATE NODE TABLE Item (id STRING PRIMARY KEY, text STRING, size INT64, tags STRING[])"
        )
        rows = [{"id": item_id(i), "text": text_of(i)} for i in range(count)]
        session.execute("UNWIND $rows AS r CREATE (:Item {id: r.id, text: r.text})", {"rows": rows})
        gone = [item_id(i) for i in sorted(GONE)]
        session.execute("MATCH (m:Item) WHERE m.id IN $ids DELETE m", {"ids": gone})
    finally:
        session.close()
    return path


@pytest.fixture
def database(tmp_path: Path, engine: str) -> Path:
    """A project whose database has `Item` nodes with gaps and NULLs, with `engine`."""
    return build_items(tmp_path / "project", engine)


def items(path: Path) -> dict[str, tuple[Any, ...]]:
    session = DatabaseSession(path)
    try:
        rows = session.query("MATCH (m:Item) RETURN m.id AS id, m.text AS text, m.size AS size")
    finally:
        session.close()
    return {row["id"]: (row["text"], row["size"]) for row in rows}


def present(count: int = ITEMS) -> list[int]:
    return [i for i in range(count) if i not in GONE]


def offset_span(path: Path) -> int:
    """How many storage offsets the `Item` nodes span, from the first to the last."""
    session = DatabaseSession(path)
    try:
        (row,) = session.query(
            "MATCH (m:Item) RETURN min(offset(id(m))) AS low, max(offset(id(m))) AS high"
        )
    finally:
        session.close()
    return int(row["high"]) - int(row["low"]) + 1


class Recording:
    """The migration's own database access, noting what it is asked: each query read with
    `stream` (its parameters and how many rows it gave) and each statement `execute` runs."""

    def __init__(
        self,
        access: DatabaseAccess,
        streams: list[tuple[dict[str, Any], int]],
        writes: list[dict[str, Any]],
    ) -> None:
        self.access = access
        self.streams = streams
        self.writes = writes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.access, name)

    def stream(
        self, cypher: str, parameters: dict[str, Any] | None, size: int
    ) -> Iterator[list[dict[str, Any]]]:
        rows = 0
        for batch in self.access.stream(cypher, parameters, size):
            rows += len(batch)
            yield batch
        self.streams.append((dict(parameters or {}), rows))

    def execute(self, cypher: str, parameters: dict[str, Any] | None = None) -> None:
        self.writes.append(dict(parameters or {}))
        self.access.execute(cypher, parameters)


def run(root: Path, *migrations: type[Migration], dry_run: bool = False) -> MigrationOutcome:
    report = MigrationHarness().run(root, extra=[PackOf(*migrations)], dry_run=dry_run)
    (outcome,) = [o for o in report.outcomes if o.name == migrations[0].name]
    return outcome


def root_of(path: Path) -> Path:
    return path.parent.parent


class Items(DataMigration):
    """Small batches and pages, so that every path of the paging is taken."""

    name = "test_items"
    batch_size = 64
    page_size = 100
    max_scans = 4  # 1,000 offsets: pages grow to 250
    seen: ClassVar[list[str]] = []
    streams: ClassVar[list[tuple[dict[str, Any], int]]] = []
    writes: ClassVar[list[dict[str, Any]]] = []

    def check_applicable(self) -> bool:
        return True

    def database(self, path: Path | str | None = None) -> DatabaseAccess:
        recording: Any = Recording(super().database(path), self.streams, self.writes)
        return recording  # a DatabaseAccess by delegation

    @classmethod
    def forget(cls) -> None:
        cls.seen, cls.streams, cls.writes = [], [], []


class Sizes(Items):
    """Reads every item, writes its size and its text upper-cased (NULL stays NULL)."""

    name = "test_sizes"

    def migrate(self) -> MigrationResult:
        written = 0
        for batch in self.iter_nodes("Item", ["id", "text"]):
            assert len(batch) <= self.batch_size
            for row in batch:
                self.seen.append(row["id"])
                text = row["text"]
                row["size"] = None if text is None else len(text)
                row["text"] = None if text is None else text.upper()
            written += self.update_nodes("Item", batch, ["size", "text"])
        return MigrationResult(success=True, message=str(written))


def test_iter_nodes_and_update_nodes_read_and_write_every_row_once(database: Path) -> None:
    Sizes.forget()
    outcome = run(root_of(database), Sizes)
    assert outcome.status is Status.APPLIED, outcome.reason
    assert outcome.reason == str(len(present()))
    counts = Counter(Sizes.seen)
    assert set(counts) == {item_id(i) for i in present()}
    assert set(counts.values()) == {1}, [k for k, n in counts.items() if n > 1][:5]
    found = items(database)
    for index in present():
        text = text_of(index)
        expected = (None, None) if text is None else (text.upper(), len(text))
        assert found[item_id(index)] == expected, index


class Paged(Items):
    """Reads every item by offset pages of `page_size`, which never grow here."""

    name = "test_paged"
    max_scans = 1_000

    def migrate(self) -> MigrationResult:
        for batch in self.iter_nodes("Item", ["id"]):
            self.seen.extend(row["id"] for row in batch)
        return MigrationResult(success=True, message="paged")


class PagedFew(Paged):
    """At most four page queries: past `page_size * max_scans` offsets the pages grow."""

    name = "test_paged_few"
    max_scans = 4


@pytest.mark.parametrize("migration", [Paged, PagedFew], ids=["fixed pages", "growing pages"])
def test_iter_nodes_asks_the_same_of_each_page_whatever_the_table_size(
    tmp_path: Path, engine: str, migration: type[Items]
) -> None:
    for count in (ITEMS, 4 * ITEMS):
        path = build_items(tmp_path / f"project-{count}", engine, count)
        span = offset_span(path)
        migration.forget()
        outcome = run(root_of(path), migration)
        assert outcome.status is Status.APPLIED, outcome.reason
        assert Counter(migration.seen) == Counter(item_id(i) for i in present(count))
        widths = [page["_hi"] - page["_lo"] for page, _ in migration.streams]
        rows = [read for _, read in migration.streams]
        width = max(migration.page_size, math.ceil(span / migration.max_scans))
        assert set(widths) == {width}, count
        assert len(widths) == math.ceil(span / width), count
        assert max(rows) <= width and sum(rows) == len(present(count))
        if migration is Paged:  # pages of page_size: 4x the nodes, 4x the pages, same rows
            assert width == migration.page_size
        else:  # never more than max_scans queries, each scanning the table
            assert len(widths) <= migration.max_scans


class Rewrite(Items):
    """Sets each item's size to its number, from rows of its own query, in shuffled order."""

    name = "test_rewrite"

    def migrate(self) -> MigrationResult:
        rows = self.query("MATCH (m:Item) RETURN offset(id(m)) AS _offset, m.id AS id")
        random.Random(13).shuffle(rows)
        for row in rows:
            row["size"] = int(row["id"].removeprefix("item-"))
        written = self.update_nodes("Item", rows, ["size"])
        return MigrationResult(success=True, message=str(written))


def test_update_nodes_writes_each_value_to_its_own_node_a_bounded_span_at_a_time(
    tmp_path: Path, engine: str
) -> None:
    count = 4 * ITEMS
    path = build_items(tmp_path / "project", engine, count)
    Rewrite.forget()
    outcome = run(root_of(path), Rewrite)
    assert outcome.status is Status.APPLIED, outcome.reason
    assert outcome.reason == str(len(present(count)))
    found = items(path)
    assert {key: size for key, (_, size) in found.items()} == {
        item_id(i): i for i in present(count)
    }
    spans = [write["_hi"] - write["_lo"] for write in Rewrite.writes]
    limit = max(2 * Rewrite.batch_size, 1024)
    assert len(spans) >= math.ceil(offset_span(path) / limit)  # one statement per run
    assert max(spans) <= limit  # each statement the same size, however large the table
    assert sum(sum(write["_keep"]) for write in Rewrite.writes) == len(present(count))


class Filtered(Items):
    """Only the items from 500 on that have a text: the where-condition, with a parameter."""

    name = "test_filtered"

    def migrate(self) -> MigrationResult:
        for batch in self.iter_nodes(
            "Item",
            ["id"],
            where="m.text IS NOT NULL AND m.id >= $low",
            parameters={"low": "item-00500"},
        ):
            self.seen.extend(row["id"] for row in batch)
            for row in batch:
                row["size"] = -1
            self.update_nodes("Item", batch, ["size"])
        return MigrationResult(success=True, message="filtered")


def test_iter_nodes_reads_only_what_the_condition_matches(database: Path) -> None:
    Filtered.forget()
    outcome = run(root_of(database), Filtered)
    assert outcome.status is Status.APPLIED, outcome.reason
    wanted = {item_id(i) for i in present() if i >= 500 and text_of(i) is not None}
    assert Counter(Filtered.seen) == Counter(wanted)
    found = items(database)
    assert {key for key, (_, size) in found.items() if size == -1} == wanted
    assert all(size is None for key, (_, size) in found.items() if key not in wanted)


class Nothing(Items):
    """Matches no node: nothing is read, and the database is never opened for writing."""

    name = "test_nothing"

    def migrate(self) -> MigrationResult:
        batches = list(self.iter_nodes("Item", ["id"], where="m.size = 12345"))
        return MigrationResult(success=True, message=f"{len(batches)} batches")


def test_iter_nodes_over_nothing_opens_nothing_for_writing(database: Path) -> None:
    before = database.read_bytes()
    outcome = run(root_of(database), Nothing)
    assert outcome.status is Status.APPLIED, outcome.reason
    assert outcome.reason == "0 batches"
    assert database.read_bytes() == before


class Nulls(Items):
    """NULLs written: a property all NULL in a batch, NULL beside values, then refusals."""

    name = "test_nulls"
    refused: ClassVar[list[str]] = []

    def migrate(self) -> MigrationResult:
        rows = self.query(
            "MATCH (m:Item) WHERE m.id < 'item-00020' RETURN offset(id(m)) AS _offset, m.id AS id"
        )
        for row in rows:
            row["text"] = None
            row["size"] = None if row["id"] < "item-00010" else 7
        self.update_nodes("Item", rows, ["text", "size"])
        for values in (["a", 1], [["a"], None]):
            mixed = [
                {"_offset": row["_offset"], "tags": v}
                for row, v in zip(rows[:2], values, strict=True)
            ]
            try:
                self.update_nodes("Item", mixed, ["tags"])
            except ValueError as error:
                self.refused.append(str(error))
        return MigrationResult(success=True, message="nulls")


def test_update_nodes_writes_nulls_and_refuses_what_the_engines_cannot_take(
    database: Path,
) -> None:
    Nulls.refused = []
    outcome = run(root_of(database), Nulls)
    assert outcome.status is Status.APPLIED, outcome.reason
    found = items(database)
    for index in (i for i in present() if i < 20):
        assert found[item_id(index)] == (None, None if index < 10 else 7), index
    assert found[item_id(20)] == (text_of(20), None)  # not in the rows: untouched
    assert len(Nulls.refused) == 2
    assert "mix types (int, str)" in Nulls.refused[0]
    assert "NULL with lists" in Nulls.refused[1]


class Fails(Sizes):
    """Writes two batches, then fails."""

    name = "test_fails"

    def migrate(self) -> MigrationResult:
        for number, batch in enumerate(self.iter_nodes("Item", ["id", "text"])):
            for row in batch:
                row["size"] = 1
            self.update_nodes("Item", batch, ["size"])
            if number == 2:
                raise RuntimeError("lost after two batches")
        return MigrationResult(success=True, message="never")


class FailsInSnapshot(Fails):
    name = "test_fails_in_snapshot"
    database_mode = "snapshot"


@pytest.mark.parametrize("migration", [Fails, FailsInSnapshot], ids=["transaction", "snapshot"])
def test_a_failure_midway_leaves_the_database_as_it_was(
    database: Path, migration: type[Migration]
) -> None:
    before = database_digest(database)
    outcome = run(root_of(database), migration)
    assert outcome.status is Status.FAILED
    assert "lost after two batches" in outcome.reason
    assert database_digest(database) == before
    assert all(size is None for _, size in items(database).values())


class Keyed(Items):
    """A query paged by key, as `iter_batches` required before; writes in the loop."""

    name = "test_keyed"
    page_size = 120
    max_scans = 2  # pages of 120, 120, then 240, 480

    def migrate(self) -> MigrationResult:
        for batch in self.iter_batches(
            "MATCH (m:Item) WHERE m.id > $after RETURN m.id AS id, offset(id(m)) AS _offset "
            "ORDER BY m.id LIMIT $limit"
        ):
            self.seen.extend(row["id"] for row in batch)
            for row in batch:
                row["size"] = 3
            self.update_nodes("Item", batch, ["size"])
        return MigrationResult(success=True, message="keyed")


class Plain(Items):
    """Any read query, one result read a batch at a time."""

    name = "test_plain"

    def migrate(self) -> MigrationResult:
        for batch in self.iter_batches("MATCH (m:Item) WHERE m.text IS NULL RETURN m.id AS id"):
            assert len(batch) <= self.batch_size
            self.seen.extend(row["id"] for row in batch)
        return MigrationResult(success=True, message="plain")


def test_iter_batches_takes_key_paged_and_plain_queries(database: Path) -> None:
    Keyed.forget()
    outcome = run(root_of(database), Keyed)
    assert outcome.status is Status.APPLIED, outcome.reason
    assert Keyed.seen == [item_id(i) for i in present()]  # each once, in key order
    assert {size for _, size in items(database).values()} == {3}
    limits = [page["limit"] for page, _ in Keyed.streams]
    assert limits == [120, 120, 240, 480, 960]  # a page per page_size rows, then growing
    assert [read for _, read in Keyed.streams] == [120, 120, 240, len(present()) - 480, 0]

    Plain.forget()
    outcome = run(root_of(database), Plain)
    assert outcome.status is Status.APPLIED, outcome.reason
    blank = [i for i in present() if text_of(i) is None]
    assert Counter(Plain.seen) == Counter(item_id(i) for i in blank)
    # One query, its result read a batch at a time.
    assert [read for _, read in Plain.streams] == [len(blank)]


def test_a_dry_run_shows_the_writes_and_makes_none(database: Path) -> None:
    before = database_digest(database)
    outcome = run(root_of(database), Sizes, dry_run=True)
    assert outcome.status is not Status.FAILED, outcome.reason
    assert database_digest(database) == before


def test_outside_a_run_the_loop_keeps_its_session_and_then_lets_go(database: Path) -> None:
    migration = Sizes(project_root=root_of(database))
    Sizes.forget()
    result = migration.migrate()
    assert result.message == str(len(present()))
    assert items(database)[item_id(0)] == ("TEXT 0", 6)
    session = DatabaseSession(database, phase="write", mode="autocommit")
    try:  # nothing of the migration holds the database any more
        session.execute("MATCH (m:Item) SET m.size = 0")
    finally:
        session.close()


class Grows(DataMigration):
    """More new nodes in one transaction than a small buffer pool holds."""

    name = "test_grows"

    def check_applicable(self) -> bool:
        return True

    def migrate(self) -> MigrationResult:
        self.execute_cypher(
            "UNWIND range(1, 100000) AS i CREATE (:Item {id: 'new-' + cast(i AS STRING), "
            "text: 'a text of some sixty characters, as memories have them, ' + "
            "cast(i AS STRING)})"
        )
        return MigrationResult(success=True, message="grown")


def test_the_buffer_pool_is_bounded_and_a_full_one_says_what_to_do(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = database_digest(database)
    monkeypatch.setenv(BUFFER_POOL_ENV, "16")
    outcome = run(root_of(database), Grows)
    assert outcome.status is Status.FAILED
    assert "buffer pool is full" in outcome.reason
    hints = [line for line in outcome.reason.splitlines() if BUFFER_POOL_ENV in line]
    assert len(hints) == 1 and "(16 MiB)" in hints[0], outcome.reason
    assert database_digest(database) == before

    monkeypatch.setenv(BUFFER_POOL_ENV, "256")  # the same work fits a larger pool
    outcome = run(root_of(database), Grows)
    assert outcome.status is Status.APPLIED, outcome.reason


def test_the_buffer_pool_size_comes_from_the_environment_or_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(BUFFER_POOL_ENV, raising=False)
    assert 512 * 2**20 <= buffer_pool_size() <= 4096 * 2**20
    monkeypatch.setenv(BUFFER_POOL_ENV, "64")
    assert buffer_pool_size() == 64 * 2**20
    monkeypatch.setenv(BUFFER_POOL_ENV, "0")
    assert buffer_pool_size() == 0  # the engine's own default
    for wrong in ("lots", "-1"):
        monkeypatch.setenv(BUFFER_POOL_ENV, wrong)
        with pytest.raises(DatabaseError, match=BUFFER_POOL_ENV):
            buffer_pool_size()


@pytest.fixture
def session(database: Path) -> Iterator[DatabaseSession]:
    opened = DatabaseSession(database, phase="write")
    yield opened
    opened.close()


def test_the_prepared_statements_a_session_keeps_are_bounded(session: DatabaseSession) -> None:
    query = "MATCH (m:Item) WHERE m.id = $id RETURN m.text AS text"
    for index in range(50):  # one text, many calls: one statement
        assert session.query(query, {"id": item_id(index)}) or index in GONE
    assert session.prepared() == 1
    for index in range(3 * PREPARED_KEPT):  # many texts: the newest are kept
        session.execute(
            f"MATCH (m:Item) WHERE m.id = $id SET m.size = {index}", {"id": "item-00001"}
        )
        assert session.prepared() <= PREPARED_KEPT
    assert session.prepared() == PREPARED_KEPT
    assert session.query(query, {"id": "item-00001"}) == [{"text": "Text 1"}]
    session.execute(
        "MATCH (m:Item) WHERE m.id = $id SET m.size = $size", {"id": "item-00001", "size": 5}
    )
    assert session.query("MATCH (m:Item) WHERE m.id = 'item-00001' RETURN m.size AS s") == [
        {"s": 5}
    ]


def test_a_stream_reads_on_while_the_same_session_writes(session: DatabaseSession) -> None:
    read = session.stream(
        "MATCH (m:Item) RETURN offset(id(m)) AS o, m.size AS size ORDER BY o", None, 100
    )
    first = next(read)
    session.execute("MATCH (m:Item) SET m.size = 9")
    rest = [row for batch in read for row in batch]
    assert len(first) == 100 and len(first) + len(rest) == len(present())
    assert all(row["size"] is None for row in rest)  # as when the query ran
    assert not session.streaming
    assert session.query("MATCH (m:Item) WHERE m.size = 9 RETURN count(m) AS n") == [
        {"n": len(present())}
    ]
