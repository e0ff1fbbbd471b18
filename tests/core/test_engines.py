"""Two engines behind one database module: which one a file gets, one per process, and the
content fingerprint that tells two databases apart whatever engine wrote them."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from engine_support import engine_missing
from kuzu_memory_migrations.contract.errors import DatabaseError
from kuzu_memory_migrations.engine.conversion import differences, fingerprint_of
from kuzu_memory_migrations.engine.database import (
    KUZU,
    LADYBUG,
    DatabaseSession,
    file_engine,
    resolve_engine,
)
from kuzu_memory_migrations.testing.projects import SCHEMA_1_12, populate_1_12


def test_the_file_says_which_engine_and_config_speaks_for_new_files_only(tmp_path: Path) -> None:
    kuzu_file, ladybug_file = tmp_path / "k.db", tmp_path / "l.db"
    kuzu_file.write_bytes(b"KUZU'\0\0\0\0\0\0\0" + bytes(100))
    ladybug_file.write_bytes(b"LBUG1\0\0\0\0\0\0\0" + bytes(100))
    empty, missing, other = tmp_path / "e.db", tmp_path / "m.db", tmp_path / "o.db"
    empty.touch()
    other.write_bytes(b"SQLite format 3\0")

    assert file_engine(kuzu_file) is KUZU and file_engine(ladybug_file) is LADYBUG
    assert file_engine(empty) is None and file_engine(missing) is None
    with pytest.raises(DatabaseError, match="neither a Kuzu nor a LadybugDB database"):
        file_engine(other)
    assert resolve_engine(kuzu_file, "ladybug") is KUZU  # the header beats the config
    assert resolve_engine(empty, "ladybug") is LADYBUG
    assert resolve_engine(missing) is KUZU  # what kuzu-memory 1.12 reads
    with pytest.raises(DatabaseError, match="unknown database engine 'duckdb'"):
        resolve_engine(missing, "duckdb")


def test_choosing_an_engine_imports_none() -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from kuzu_memory_migrations.engine.database import resolve_engine\n"
        "resolve_engine(Path(sys.argv[1]), 'ladybug')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kuzu', 'ladybug')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "/nonexistent/memories.db"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.strip() == "[]", done.stderr


SECOND_ENGINE = """
import sys
from pathlib import Path
from kuzu_memory_migrations.engine.database import DatabaseSession
from kuzu_memory_migrations.engine.errors import EngineConflict

first, second = (DatabaseSession(Path(p)) for p in sys.argv[1:3])
print(first.tables())
try:
    second.tables()
except EngineConflict as error:
    print("refused:", error)
first.close()
print(first.tables())
"""


@pytest.mark.parametrize("first", ["kuzu", "ladybug"])
def test_a_session_refuses_a_second_engine_in_one_process(tmp_path: Path, first: str) -> None:
    if why := engine_missing("ladybug"):
        pytest.skip(f"ladybug is not usable on this Python: {why}")
    paths = {}
    for name in ("kuzu", "ladybug"):
        built = subprocess.run(
            [sys.executable, "-c", BUILD, str(tmp_path / name), name],
            capture_output=True,
            check=False,
        )
        assert built.returncode == 0, built.stderr
        paths[name] = tmp_path / name / ".kuzu-memory" / "memories.db"
    second = "ladybug" if first == "kuzu" else "kuzu"

    done = subprocess.run(
        [sys.executable, "-c", SECOND_ENGINE, str(paths[first]), str(paths[second])],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr  # no crash at exit: nothing else was loaded
    label = {"kuzu": "Kuzu", "ladybug": "LadybugDB"}
    assert f"refused: {paths[second]}: {label[second]} cannot be loaded in this process" in (
        done.stdout
    )
    assert f"{label[first]} is loaded here" in done.stdout
    assert done.stdout.count("'Memory'") == 2  # the first engine still works


BUILD = (
    "import sys; from pathlib import Path\n"
    "from kuzu_memory_migrations.testing.projects import build_project_1_12\n"
    "build_project_1_12(Path(sys.argv[1]), engine=sys.argv[2])"
)


# -- the fingerprint ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1.12 graph without the vector index (Kuzu refuses SET on an indexed embedding)."""
    db = tmp_path_factory.mktemp("graph") / "memories.db"
    db.touch()  # empty: a new database
    session = DatabaseSession(db, phase="write", mode="autocommit")
    for statement in SCHEMA_1_12:
        if "CREATE_VECTOR_INDEX" not in statement:
            session.execute(statement)
    session.close()
    populate_1_12(db, 300, embedded=0.5)
    return db


def _changed(graph: Path, tmp_path: Path, change: Callable[[DatabaseSession], None]) -> list[str]:
    copy = tmp_path / "copy.db"
    shutil.copy2(graph, copy)
    session = DatabaseSession(copy, phase="write", mode="autocommit")
    try:
        change(session)
    finally:
        session.close()
    return differences(fingerprint_of(graph, KUZU), fingerprint_of(copy, KUZU), lambda n: n)


def cypher(statement: str) -> Callable[[DatabaseSession], None]:
    return lambda session: session.execute(statement)


def embedding(ulps: int) -> Callable[[DatabaseSession], None]:
    """Write one memory's embedding back, its 100th value moved by `ulps` float32 steps."""

    def change(session: DatabaseSession) -> None:
        (row,) = session.query(
            "MATCH (m:Memory) WHERE m.embedding IS NOT NULL "
            "RETURN m.id AS id, m.embedding AS e ORDER BY m.id LIMIT 1"
        )
        values = list(row["e"])
        bits = struct.unpack("<I", struct.pack("<f", values[100]))[0] + ulps
        values[100] = struct.unpack("<f", struct.pack("<I", bits))[0]
        session.execute(
            "MATCH (m:Memory) WHERE m.id = $id SET m.embedding = CAST($e AS FLOAT[384])",
            {"id": row["id"], "e": values},
        )

    return change


ONE_MEMORY = "MATCH (m:Memory) WHERE m.id = 'gen0-memory-0000001'"


@pytest.mark.parametrize(
    ("change", "table"),
    [
        (embedding(0), None),
        (embedding(1), "Memory"),
        (
            cypher(f"{ONE_MEMORY} SET m.created_at = m.created_at + interval('1 microsecond')"),
            "Memory",
        ),
        (
            cypher("MATCH (m:Memory) WHERE m.user_id IS NULL WITH m LIMIT 1 SET m.user_id = ''"),
            "Memory",
        ),
        (cypher(f"{ONE_MEMORY} SET m.content = m.content + ' '"), "Memory"),
        (
            cypher(
                "MATCH (e:Entity) WHERE e.name CONTAINS 'café' WITH e LIMIT 1 "
                "SET e.name = regexp_replace(e.name, 'é', 'è')"
            ),
            "Entity",  # Kuzu 0.11's own hash() takes 'é' and 'è' for the same
        ),
        (cypher("MATCH ()-[r:HAS_KEYWORD]->() WITH r LIMIT 1 DELETE r"), "HAS_KEYWORD"),
        (
            cypher(
                "MATCH ()-[r:MENTIONS]->() WITH r LIMIT 1 SET r.confidence = r.confidence + 0.0001"
            ),
            "MENTIONS",
        ),
        (cypher("ALTER TABLE Keyword ADD source STRING DEFAULT 'x'"), "Keyword"),
    ],
    ids=[
        "same-values",
        "embedding-1-ulp",
        "1-microsecond",
        "null-to-empty",
        "trailing-space",
        "accent",
        "edge-deleted",
        "edge-property",
        "column-added",
    ],
)
def test_the_fingerprint_notices_the_smallest_change(
    graph: Path, tmp_path: Path, change: Callable[[DatabaseSession], None], table: str | None
) -> None:
    found = _changed(graph, tmp_path, change)

    if table is None:
        assert found == []  # written again with the same values: the same content
    else:
        assert found and all(line.startswith(f"{table}:") for line in found), found


def test_digests_that_differ_alone_are_decided_value_by_value() -> None:
    table = {"kind": "NODE", "columns": [["id", "STRING", "NULL"]], "count": 2}
    source = {"tables": {"A": {**table, "digest": "1"}, "B": {**table, "digest": "2"}}}
    target: dict[str, Any] = {
        "tables": {"A": {**table, "digest": "9"}, "B": {**table, "digest": "2"}}
    }
    asked: list[list[str]] = []

    def same(names: list[str]) -> list[str]:
        asked.append(names)
        return []

    assert differences(source, target, same) == []
    assert asked == [["A"]]
    assert differences(source, target, lambda names: names) == ["A: rows differ"]
    target["tables"]["B"]["count"] = 3
    assert differences(source, target, same) == ["B: count 2 became 3"]
