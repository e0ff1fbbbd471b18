"""kuzu-memory-ladybug on a database made by the real kuzu-memory 1.12.11.

The project is made by kuzu-memory 1.12.11's own `init` and `install claude-code`, its
memories stored through its CLI (`memory store`), once per session. Each test moves a copy
to LadybugDB with this checkout's framework and pack, and reads both files back in child
processes with the engines' own API.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_support import dump, engine_missing, engine_of, sha256
from km1211_support import ComparisonEnv, Sandbox, build_with_kuzu_memory
from kuzu_memory_migrations import Status
from kuzu_memory_migrations.engine.conversion import fingerprint_of
from kuzu_memory_migrations.engine.database import KUZU, LADYBUG
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.rollback import rollback_applied
from kuzu_memory_migrations.engine.runner import RunOptions, run

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
LADYBUG_SRC = REPO / "plugins" / "kuzu-memory-ladybug" / "src"
MOVE = "ladybug_move_v0.1.0"
MEMORIES = (
    ("The zanthorp billing service stores invoices in PostgreSQL", "zanthorp billing"),
    ("Always run the quillfeather smoke tests before tagging a release", "quillfeather"),
    ("Deployments of the marbleton API go to Kubernetes on AWS", "marbleton deployments"),
    ("Kestrelwick is the codename of the mobile client rewrite", "kestrelwick codename"),
    ("Le café du vendredi réunit l'équipe 🧠 à dix heures", "vendredi café"),
)
"""(content, words 1.12.11 recalls it by): made-up words, so no false hit; some non-ASCII."""


@pytest.fixture(scope="session")
def made_by_kuzu_memory(
    tmp_path_factory: pytest.TempPathFactory, comparison_env: ComparisonEnv
) -> Sandbox:
    if why := engine_missing("ladybug"):
        pytest.skip(f"ladybug is not usable on this Python: {why}")
    base = tmp_path_factory.mktemp("km1211-ladybug")
    sandbox = build_with_kuzu_memory(comparison_env, base / "project", base / "home")
    for content, _ in MEMORIES:
        done = comparison_env.kuzu_memory(sandbox, "memory", "store", content)
        assert done.returncode == 0, done.stdout + done.stderr
    return sandbox


@pytest.fixture
def sandbox(
    made_by_kuzu_memory: Sandbox,
    tmp_path: Path,
    use_plugins: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> Sandbox:
    monkeypatch.syspath_prepend(str(LADYBUG_SRC))
    use_plugins("kuzu_memory_ladybug.plugin")
    copy = made_by_kuzu_memory.copy(tmp_path / "copy")
    monkeypatch.setenv("HOME", str(copy.home))
    return copy


def recalled(env: ComparisonEnv, sandbox: Sandbox) -> dict[str, bool]:
    """For each stored memory: does kuzu-memory 1.12.11 recall it by its words?"""
    found = {}
    for content, query in MEMORIES:
        done = env.kuzu_memory(sandbox, "memory", "recall", query, "--format", "json")
        start = done.stdout.find("{")
        answer = json.JSONDecoder().raw_decode(done.stdout[start:])[0] if start >= 0 else {}
        found[content] = any(m.get("content") == content for m in answer.get("memories", []))
    return found


def test_its_memories_move_to_ladybugdb_and_come_back_with_rollback(
    comparison_env: ComparisonEnv, sandbox: Sandbox
) -> None:
    db = sandbox.root / ".kuzu-memory" / "memories.db"
    original, before = sha256(db), dump(db)
    kept = sandbox.root.parent / "kuzu.db"
    shutil.copy2(db, kept)
    stored = {json.loads(row)["content"] for row in before["Memory"]["rows"]}
    assert {content for content, _ in MEMORIES} <= stored

    report = run(Project(sandbox.root), RunOptions(include=frozenset({MOVE})))

    (moved,) = [o for o in report.outcomes if o.name == MOVE]
    assert moved.status is Status.APPLIED, moved.reason
    assert engine_of(db) == "ladybug"
    assert dump(db) == before  # every row and edge, every column and its default
    assert fingerprint_of(kept, KUZU)["tables"] == fingerprint_of(db, LADYBUG)["tables"]
    assert any("VECTOR" in warning for warning in moved.warnings)  # 1.12.11 made the index

    on_ladybug = comparison_env.kuzu_memory(sandbox, "memory", "recall", "zanthorp billing")
    assert "not a valid Kuzu database file" in on_ladybug.stdout + on_ladybug.stderr

    rollback_applied(Project(sandbox.root), MOVE)

    assert sha256(db) == original
    assert all(recalled(comparison_env, sandbox).values())  # 1.12.11 reads it again
