"""The move to LadybugDB against the two engines' own way of doing it.

A kuzu-memory 1.12 database with a large graph (`populate_1_12`: every table and rel table,
a share of the memories with an embedding, a tenth by default) is moved by
`ladybug_move_v0.1.0` through the runner, in a fresh process: export, import, verification
of every table, the journaled switch, the config. The baseline, on a copy of the same
file: Kuzu's `EXPORT DATABASE` (parquet, read-only) in one process, then LadybugDB's
`IMPORT DATABASE` in another, with the vector index statement left out as the move leaves
it out without VECTOR. Alternated, each on a fresh copy; the best of each side is compared.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from common import Figure, Results, fresh

SECTION = "ladybug"
MOVE = "ladybug_move_v0.1.0"

BUILD = """
import json, sys, time
from pathlib import Path
from kuzu_memory_migrations.testing.projects import build_project_1_12, populate_1_12
started = time.perf_counter()
db = build_project_1_12(Path(sys.argv[1]), memories=5)
rows = populate_1_12(db, int(sys.argv[2]), embedded=float(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - started, "rows": sum(rows.values())}))
"""

MOVING = """
import json, sys, time
from pathlib import Path
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import RunOptions, run
started = time.perf_counter()
report = run(Project(Path(sys.argv[1])), RunOptions(include=frozenset({sys.argv[2]})))
elapsed = time.perf_counter() - started
(moved,) = [o for o in report.outcomes if o.name == sys.argv[2]]
assert moved.status.value == "applied", moved.reason
print(json.dumps({"seconds": elapsed, "message": moved.reason}))
"""

EXPORT = """
import json, sys, time
import kuzu
started = time.perf_counter()
database = kuzu.Database(sys.argv[1], read_only=True)
connection = kuzu.Connection(database)
connection.execute(f"EXPORT DATABASE '{sys.argv[2]}' (format='parquet')")
connection.close()
database.close()
open(sys.argv[2] + "/index.cypher", "w").close()  # no VECTOR: the move builds no index either
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

IMPORT = """
import json, sys, time
import ladybug
started = time.perf_counter()
database = ladybug.Database(sys.argv[1])
connection = ladybug.Connection(database)
connection.execute(f"IMPORT DATABASE '{sys.argv[2]}'")
connection.close()
database.close()
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def _engines(source: Path, folder: Path) -> float:
    """Wall time of the engines' own export and import, each in its own process."""
    export, target = folder / "export", folder / "target.db"
    started = time.perf_counter()
    fresh(EXPORT, str(source), str(export))
    fresh(IMPORT, str(target), str(export))
    elapsed = time.perf_counter() - started
    shutil.rmtree(export)
    target.unlink()
    return elapsed


def _ours(pristine: Path, folder: Path, env: dict[str, str]) -> tuple[float, str]:
    root = folder / "project"
    shutil.copytree(pristine, root)
    started = time.perf_counter()
    result = fresh(MOVING, str(root), MOVE, env=env)
    elapsed = time.perf_counter() - started
    shutil.rmtree(root)
    return elapsed, str(result["message"])


def run(results: Results, *, memories: int, embedded: float = 0.1, repeat: int = 2) -> None:
    env = {
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD": "1",
        "KUZU_MEMORY_MIGRATIONS_PLUGINS": "kuzu_memory_ladybug.plugin",
    }
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        pristine = folder / "pristine"
        built = fresh(BUILD, str(pristine), str(memories), str(embedded))
        database = pristine / ".kuzu-memory" / "memories.db"
        size = database.stat().st_size / 2**20
        print(
            f"[{SECTION}] built {memories:,} memories ({built['rows']:,} rows, {size:,.0f} MiB) "
            f"in {built['seconds']:.1f} s",
            flush=True,
        )
        ours, theirs, message = [], [], ""
        for _ in range(repeat):  # alternated, so drift in the machine's load hits both alike
            seconds, message = _ours(pristine, folder, env)
            ours.append(seconds)
            copy = folder / "copy.db"
            shutil.copyfile(database, copy)
            theirs.append(_engines(copy, folder))
            copy.unlink()
        print(f"[{SECTION}] {message}", flush=True)
        results.add(
            Figure(
                SECTION,
                f"move to LadybugDB, {memories:,} memories ({embedded:.0%} embedded; "
                f"{built['rows']:,} rows, {size:,.0f} MiB), verified",
                min(ours),
                "s",
                "Kuzu's EXPORT DATABASE, then LadybugDB's IMPORT DATABASE",
                min(theirs),
                note="whole run, fresh process: export, import, every table verified, "
                "journaled switch, config; best of each side",
            )
        )
