"""Start-up: the idle check a host makes at every start, against the checks it replaces.

- fast path: first `auto_migrate` call in a fresh process on an idle project;
- full check: the same call with the stamp removed, so every pack is loaded and planned;
- legacy: a package of `v*` modules scanned and imported at every start (the old way);
- import: `from kuzu_memory_migrations import auto_migrate` in a fresh process.
"""

from __future__ import annotations

import time
from pathlib import Path

import legacy
from common import Figure, Results, fresh, fresh_median

SECTION = "start-up"

STARTUP = """
import json, sys, time
started = time.perf_counter()
from kuzu_memory_migrations import auto_migrate
imported = time.perf_counter()
report = auto_migrate(sys.argv[1])
done = time.perf_counter()
print(json.dumps({"import": imported - started, "call": done - imported,
                  "total": done - started, "status": report.status, "message": report.message}))
"""


def prepare(workdir: Path) -> tuple[Path, str]:
    """A kuzu-memory 1.12 project, migrated once by every installed pack; the legacy package."""
    from kuzu_memory_migrations.testing.projects import build_project_1_12

    root = workdir / "startup-project"
    build_project_1_12(root, memories=20)
    first = fresh(STARTUP, str(root))
    if first["status"] not in {"done", "idle"}:
        raise RuntimeError(f"the start-up project did not migrate: {first}")
    for _ in range(5):  # a run stamps once the install folders are past the racy window
        time.sleep(1.1)
        if fresh(STARTUP, str(root))["status"] == "idle":
            return root, legacy.build(workdir / "legacy", root)
    raise RuntimeError(f"the start-up project {root} never became idle")


def run(results: Results, workdir: Path, *, repeat: int) -> None:
    root, legacy_path = prepare(workdir)
    stamp = root / ".kuzu-memory" / "migrations" / "idle"

    fast = fresh_median(STARTUP, "call", str(root), repeat=repeat)
    fast_total = fresh_median(STARTUP, "total", str(root), repeat=repeat)
    fast_import = fresh_median(STARTUP, "import", str(root), repeat=repeat)
    slow_repeat = max(3, repeat // 3)

    def unstamp() -> None:
        stamp.unlink(missing_ok=True)

    full = fresh_median(STARTUP, "call", str(root), repeat=slow_repeat, before=unstamp)
    full_total = fresh_median(STARTUP, "total", str(root), repeat=slow_repeat, before=unstamp)
    old_total = fresh_median(legacy.CHECK, "total", str(root), legacy_path, repeat=slow_repeat)
    old_import = fresh_median(legacy.CHECK, "import", str(root), legacy_path, repeat=slow_repeat)
    fresh(STARTUP, str(root))  # leave it stamped again

    whole = "whole idle start in a fresh process: import + first call (fast path)"
    results.add(
        Figure(
            SECTION,
            whole,
            fast_total,
            "s",
            "the same with the stamp removed: every pack loaded and planned",
            full_total,
        )
    )
    results.add(
        Figure(
            SECTION,
            whole,
            fast_total,
            "s",
            "legacy: import, scan and import v* modules, check",
            old_total,
        )
    )
    results.add(
        Figure(
            SECTION,
            "first `auto_migrate` call on an idle project (fast path)",
            fast,
            "s",
            "the same call with the stamp removed (full check)",
            full,
            note="the module is imported before the clock starts",
        )
    )
    results.add(
        Figure(
            SECTION,
            "`from kuzu_memory_migrations import auto_migrate`",
            fast_import,
            "s",
            "legacy migrations package import",
            old_import,
        )
    )
