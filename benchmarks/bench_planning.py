"""Planning at scale: N migrations across 100 packs, each pack a dependency chain, every
tenth migration also depending on one of the previous pack (cross-pack edges).

Classes are made at run time (they have no source, so no code fingerprint: that is fine).
Three figures per size: the catalog (every class validated), the ordering alone, and the
whole plan `status` computes (each migration built and asked through the hooks). Each
figure at each size is measured in a fresh interpreter, as a command would plan. The whole
plan is also counted in instructions (valgrind's callgrind, where installed): a count does
not depend on the machine's load, and unlike CPU time it does not grow with the cache
misses of a larger working set, so it shows the algorithm's growth alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from common import Figure, Results, fresh
from kuzu_memory_migrations import Migration, MigrationResult, hookimpl
from kuzu_memory_migrations.contract.reports import Status
from kuzu_memory_migrations.engine.catalog import build_catalog
from kuzu_memory_migrations.engine.planner import order_migrations
from kuzu_memory_migrations.engine.plugins import PluginRecord, PluginSet, new_manager
from kuzu_memory_migrations.engine.project import Project
from kuzu_memory_migrations.engine.runner import Mode, RunOptions, run

SECTION = "planning"
PACKS = 100


def _migrate(self: Migration) -> MigrationResult:
    return MigrationResult(success=True, message="ok")


def synthetic_packs(total: int) -> PluginSet:
    """`total` migration classes over PACKS plugins, registered as installed packs would be."""
    plugins = PluginSet(new_manager())
    per_pack = total // PACKS
    for pack in range(PACKS):
        classes: list[type[Migration]] = []
        for step in range(per_pack):
            depends = [f"p{pack:03d}_m{step - 1:05d}"] if step else []
            if pack and step % 10 == 0:
                depends.append(f"p{pack - 1:03d}_m{step:05d}")
            classes.append(
                type(
                    f"P{pack}M{step}",
                    (Migration,),
                    {
                        "name": f"p{pack:03d}_m{step:05d}",
                        "from_version": f"1.{step}.0",
                        "priority": (step * 7919) % 200,
                        "depends_on": tuple(depends),
                        "migrate": _migrate,
                    },
                )
            )
        module = ModuleType(f"bench_pack_{pack:03d}")

        def register(found: list[type[Migration]] = classes) -> list[type[Migration]]:
            return found

        module.register_migrations = hookimpl(register)  # type: ignore[attr-defined]
        record = PluginRecord(name=module.__name__, value=module.__name__)
        plugins.records.append(record)
        plugins.manager.register(module, name=record.name)
    return plugins


def action_for(figure: str, total: int, root: Path) -> Callable[[], None]:
    """One figure's work, `catalog`, `order` or `plan`, over packs made beforehand."""
    plugins = synthetic_packs(total)

    def catalog() -> None:
        built = build_catalog(plugins)
        assert len(built.entries) == total and not built.problems, built.problems[:3]

    def order() -> None:
        ordering = order_migrations(entries, satisfied=set())
        assert len(ordering.order) == total and not ordering.blocked

    def plan() -> None:
        project = Project(root)
        project.__dict__["plugins"] = plugins  # the packs above, as if installed
        report = run(project, RunOptions(mode=Mode.PLAN))
        assert sum(o.status is Status.PENDING for o in report.outcomes) == total

    if figure == "order":
        entries = build_catalog(plugins).entries
    return {"catalog": catalog, "order": order, "plan": plan}[figure]


ALONE = f"""
import json, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from bench_planning import action_for
from common import timed
with tempfile.TemporaryDirectory() as folder:
    root = Path(folder) / "project"
    (root / ".kuzu-memory").mkdir(parents=True)
    action = action_for(sys.argv[1], int(sys.argv[2]), root)
    times = int(sys.argv[3])
    if times:  # counted from outside: run it so many times, untimed
        for _ in range(times):
            action()
        print("{{}}")
    else:
        print(json.dumps({{"seconds": timed(action, repeat=7, clock=time.process_time)}}))
"""
"""A figure in a fresh interpreter, as a command plans: objects an earlier figure left in
the process would make every garbage collection of a later one slower."""


def instructions(figure: str, total: int, valgrind: str) -> int:
    """Instructions one run of `figure` executes: the process running it twice, less the
    process running it once (so the interpreter's start and the packs' making cancel)."""
    counts = []
    for times in (1, 2):
        done = subprocess.run(
            [
                *(valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null"),
                *(sys.executable, "-c", ALONE, figure, str(total), str(times)),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        counts.append(int(re.findall(r"Collected : (\d+)", done.stderr)[-1]))
    return counts[1] - counts[0]


FIGURES = ("catalog", "order", "plan")


def run_all(results: Results, sizes: list[int]) -> None:
    figures = {
        size: {key: fresh(ALONE, key, str(size), "0")["seconds"] for key in FIGURES}
        for size in sizes
    }
    small = sizes[0]
    valgrind = shutil.which("valgrind")
    counted = {size: instructions("plan", size, valgrind) for size in sizes} if valgrind else {}
    for size in sizes[1:]:
        for key, what in (
            ("catalog", "catalog: every class validated"),
            ("order", "ordering (topological, then priority, version, name)"),
            ("plan", "whole plan as `status` computes it"),
        ):
            results.add(
                Figure(
                    SECTION,
                    f"{what}, {size:,} migrations / {PACKS} packs",
                    figures[size][key],
                    "s",
                    f"the same for {small:,}",
                    figures[small][key],
                    note=f"linear growth would be a ratio of {size / small:.0f}",
                )
            )
        if size in counted:
            results.add(
                Figure(
                    SECTION,
                    f"whole plan, instructions executed (callgrind), {size:,} migrations",
                    counted[size],
                    "instructions",
                    f"the same for {small:,}",
                    counted[small],
                    note="the algorithm's growth alone: no cache misses, no load",
                )
            )
    if not counted:
        print(f"[{SECTION}] valgrind not found: the plan's instructions are not counted")
