"""kuzu-memory-ladybug: a generated 1.12 database with many memories moved to LadybugDB.

Every check reads the databases independently of the move's own verification: `dump`
reads every row of every table in a child process, with the engine's own API.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from engine_support import dump, engine_of, run_with, sha256
from kuzu_memory_migrations import MigrationOutcome, Status
from kuzu_memory_migrations.engine.conversion import fingerprint_of, in_child
from kuzu_memory_migrations.engine.database import KUZU, LADYBUG
from kuzu_memory_migrations.engine.errors import RollbackRefused
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.rollback import rollback_applied
from kuzu_memory_migrations.engine.runner import Mode
from kuzu_memory_migrations.testing.projects import build_project_1_12, held_open, populate_1_12
from kuzu_memory_migrations.testing.snapshot import snapshot
from packs_support import REPO, migrate, outcome

LADYBUG_SRC = REPO / "plugins" / "kuzu-memory-ladybug" / "src"
PLUGIN = "kuzu_memory_ladybug.plugin"
MOVE = "ladybug_move_v0.1.0"
FOLLOW_UP = "ladybug_vector_index_v0.1.0"
MEMORIES = 3_000
CRASH_DRIVER = REPO / "tests" / "reliability" / "crash_driver.py"
CRASH_STRIDE = int(os.environ.get("KMM_CRASH_STRIDE", "5"))
"""Every k-th durable step of the move is a kill point (1: every one)."""

SABOTAGE = """
import os, sys
if os.environ.get("KMM_TEST_IMPORT_FAILS") and {"ladybug", "import"} <= set(sys.orig_argv):
    from kuzu_memory_migrations.engine import database

    copy_of = database.DatabaseSession.execute
    done = []

    def execute(self, cypher, parameters=None):
        if cypher.startswith("COPY"):
            done.append(cypher)
            if len(done) == 6:  # half way: some tables loaded, the rest not
                if os.environ["KMM_TEST_IMPORT_FAILS"] == "crash":
                    os.kill(os.getpid(), 9)
                raise RuntimeError("IO exception: No space left on device (test)")
        return copy_of(self, cypher, parameters)

    database.DatabaseSession.execute = execute
"""
"""A `sitecustomize` for the move's children: the LadybugDB import fails half way."""


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1.12 project whose database holds a large graph (built once; tests copy it)."""
    root = tmp_path_factory.mktemp("pristine") / "project"
    populate_1_12(build_project_1_12(root, memories=5), MEMORIES, embedded=0.2)
    return root


@pytest.fixture
def project(
    pristine: Path, tmp_path: Path, load: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> Path:
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    monkeypatch.syspath_prepend(str(LADYBUG_SRC))
    load(PLUGIN)
    return root


def database(root: Path) -> Path:
    return root / ".kuzu-memory" / "memories.db"


def beside(root: Path) -> list[str]:
    """What the move may leave next to the database: nothing, after it ends either way."""
    folder = database(root).parent
    return sorted(p.name for p in folder.iterdir() if p.name.startswith((".memories", "memories")))


def move(root: Path, **options: Any) -> MigrationOutcome:
    return outcome(migrate(root, include=frozenset({MOVE}), **options), MOVE)


def test_every_row_edge_and_default_is_in_the_ladybug_database(project: Path) -> None:
    db = database(project)
    before, kept = dump(db), project.parent / "kuzu.db"
    shutil.copy2(db, kept)

    moved = move(project)

    assert moved.status is Status.APPLIED, moved.reason
    assert engine_of(db) == "ladybug"
    after = dump(db)
    assert after == before  # every table, column (defaults included) and row, edges too
    rows = sum(len(table["rows"]) for table in after.values())
    assert f"Moved {rows:,} rows in 12 tables" in moved.reason
    assert rows > 8 * MEMORIES
    memory = {column[0]: column[2] for column in after["Memory"]["columns"]}
    assert memory["knowledge_type"] == "'note'" and memory["importance"] == "0.5"
    source = fingerprint_of(kept, KUZU)["tables"]
    target = fingerprint_of(db, LADYBUG)["tables"]
    assert source == target  # the content checksum of every table, both engines
    names = sorted(source)  # and the value-by-value digests the checksums fall back on
    exact = in_child(KUZU, "exact", path=str(kept), tables=names)
    assert in_child(LADYBUG, "exact", path=str(db), tables=names) == exact
    assert "engine: ladybug" in (project / ".kuzu-memory" / "config.yaml").read_text()
    assert beside(project) == ["memories.db"]


def test_without_vector_the_move_warns_and_the_index_waits_saying_why(project: Path) -> None:
    moved = move(project)

    assert moved.status is Status.APPLIED
    assert any("VECTOR" in warning and "embedding" in warning for warning in moved.warnings)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(LADYBUG_SRC), os.environ.get("PYTHONPATH", "")]),
    }
    status = [sys.executable, "-m", "kuzu_memory_migrations", "status", "--json"]
    done = subprocess.run(
        [*status, "--project-root", str(project)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    listed = json.loads(done.stdout)["migrations"]
    (follow_up,) = [o for o in listed if o["name"] == FOLLOW_UP]
    assert follow_up["status"] == "deferred"
    assert "VECTOR" in follow_up["reason"] and "not been installed" in follow_up["reason"]


def test_the_engine_the_config_names_is_replaced_and_its_comments_kept(
    tmp_path: Path, load: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "small"
    build_project_1_12(root)
    config = root / ".kuzu-memory" / "config.yaml"
    text = config.read_text().replace("database:\n", "database:\n  engine: kuzu  # for now\n")
    config.write_text(text)
    monkeypatch.syspath_prepend(str(LADYBUG_SRC))
    load(PLUGIN)

    assert move(root).status is Status.APPLIED

    before, after = text.splitlines(), config.read_text().splitlines()
    (line,) = [n for n, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    assert after[line].split() == ["engine:", "ladybug", "#", "for", "now"]


def test_a_dry_run_reports_tables_rows_and_size_and_writes_nothing(project: Path) -> None:
    before = snapshot(project, framework=True, databases="bytes")

    planned = outcome(migrate(project, Mode.DRY_RUN, include=frozenset({MOVE})), MOVE)

    assert snapshot(project, framework=True, databases="bytes") == before
    assert planned.status is Status.PENDING
    assert "Would move" in planned.reason and "12 tables" in planned.reason
    assert "MiB" in planned.reason
    assert f"Memory: {MEMORIES + 5:,} rows" in planned.changes
    assert [change.action for change in planned.planned] == ["move database"]


def test_progress_counts_every_row_the_import_loads(project: Path) -> None:
    seen: dict[str, list[int]] = {}
    totals: dict[str, int | None] = {}

    class Recorder:
        def __init__(self, label: str, total: int | None) -> None:
            self.label = label
            totals[label] = total
            seen[label] = []

        def advance(self, amount: int = 1) -> None:
            seen[self.label].append(amount)

        def close(self) -> None:
            pass

    moved = move(project, progress=Recorder)

    assert moved.status is Status.APPLIED
    (label,) = [label for label in totals if label.startswith("importing")]
    assert totals[label] == sum(seen[label]) > 8 * MEMORIES
    assert len(seen[label]) == 12  # one step per table


def test_rollback_gives_back_the_kuzu_file_byte_for_byte(project: Path) -> None:
    db, config = database(project), project / ".kuzu-memory" / "config.yaml"
    original, settings = sha256(db), config.read_bytes()
    assert move(project).status is Status.APPLIED
    unchanged = sha256(db)
    rewrite = (
        "c = engine.Connection(engine.Database(sys.argv[1]))\n"
        "c.execute('MATCH (s:SchemaVersion) SET s.description = s.description')"
    )
    run_with("ladybug", rewrite, str(db))
    assert sha256(db) != unchanged  # other bytes, the same content: not a change

    rollback_applied(Project(project), MOVE)

    assert sha256(db) == original
    assert config.read_bytes() == settings
    assert beside(project) == ["memories.db"]


def test_rollback_refuses_when_memories_were_stored_in_ladybugdb_since(project: Path) -> None:
    db = database(project)
    original = sha256(db)
    assert move(project).status is Status.APPLIED
    store = (
        "c = engine.Connection(engine.Database(sys.argv[1]))\n"
        "c.execute(\"CREATE (:Memory {id: 'stored-on-ladybug', content: 'new'})\")"
    )
    run_with("ladybug", store, str(db))

    with pytest.raises(RollbackRefused, match=r"changed since .*Memory: count"):
        rollback_applied(Project(project), MOVE)
    with held_open(db), pytest.raises(RollbackRefused, match="held open for writing"):
        rollback_applied(Project(project), MOVE, force=True)
    assert engine_of(db) == "ladybug"
    rollback_applied(Project(project), MOVE, force=True)
    assert sha256(db) == original


@pytest.mark.parametrize("how", ["error", "crash"])
def test_a_failed_import_leaves_the_kuzu_file_in_use(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    db = database(project)
    before = snapshot(project, databases="bytes")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SABOTAGE)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("KMM_TEST_IMPORT_FAILS", how)

    failed = move(project)

    assert failed.status is Status.FAILED
    assert "import" in failed.reason
    assert ("signal 9" if how == "crash" else "No space left on device") in failed.reason
    assert snapshot(project, databases="bytes") == before
    assert engine_of(db) == "kuzu" and beside(project) == ["memories.db"]
    assert not list((project / ".kuzu-memory" / "migrations" / "journal").glob("*"))
    monkeypatch.delenv("KMM_TEST_IMPORT_FAILS")
    again = move(project)
    assert again.status is Status.APPLIED, again.reason  # nothing is left in the way


def test_a_database_held_open_defers_the_move(project: Path) -> None:
    db = database(project)
    with held_open(db):
        before = db.read_bytes()
        deferred = move(project)
        assert db.read_bytes() == before
    assert deferred.status is Status.DEFERRED
    assert "held open" in deferred.reason and str(db) in deferred.reason
    assert beside(project) == ["memories.db"]
    assert move(project).status is Status.APPLIED


# -- a crash at every step ------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small") / "project"
    populate_1_12(build_project_1_12(root, memories=5), 200)
    return root


def _drive(root: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUZU_MEMORY_MIGRATIONS_")}
    env.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join([str(LADYBUG_SRC), env.get("PYTHONPATH", "")]),
        KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD="1",
        KUZU_MEMORY_MIGRATIONS_PLUGINS=PLUGIN,
    )
    command = [sys.executable, str(CRASH_DRIVER), str(root), *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def _trial(
    small: Path, where: Path, step: int, original: str, contents: dict[str, Any]
) -> list[str]:
    """Kill a move just before `step`; the next run must leave one whole database in place."""
    root, home = where / "project", where / "home"
    shutil.copytree(small, root)
    home.mkdir()
    killed = _drive(root, home, "--kill-at", str(step), "--include", MOVE)
    recovered = _drive(root, home)
    problems = []
    if killed.returncode != -9:
        problems.append(f"step {step}: not killed ({killed.returncode}): {killed.stdout}")
    if recovered.returncode != 0 or "stopped" in recovered.stdout.split(" ", 2)[-1].strip():
        problems.append(f"step {step}: recovery: {recovered.stdout}{recovered.stderr[-400:]}")
    db = database(root)
    if engine_of(db) == "kuzu":
        if sha256(db) != original:
            problems.append(f"step {step}: the Kuzu file is not the original")
    elif dump(db) != contents:
        problems.append(f"step {step}: the LadybugDB file lacks data")
    if (left := beside(root)) != ["memories.db"]:
        problems.append(f"step {step}: left beside the database: {left}")
    finished = _drive(root, home, "--include", MOVE)
    if engine_of(db) != "ladybug" or dump(db) != contents:
        problems.append(f"step {step}: the move after recovery: {finished.stdout}")
    shutil.rmtree(where)
    return problems


def test_a_crash_at_any_step_of_the_move_is_recovered(small: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    counted = tmp_path / "counted"
    shutil.copytree(small, counted)
    done = _drive(counted, home, "--include", MOVE)
    steps = int(done.stdout.split()[0])
    assert "applied" in done.stdout, done.stdout + done.stderr
    original, contents = sha256(database(small)), dump(database(small))

    def trial(step: int) -> list[str]:
        return _trial(small, tmp_path / f"trial-{step}", step, original, contents)

    kill_points = range(1, steps + 1, CRASH_STRIDE)
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for found in pool.map(trial, kill_points) for p in found]
    assert not problems, "\n".join(problems)
