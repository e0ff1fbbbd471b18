"""Planning at scale: N migrations across 100 packs, each pack a dependency chain, every
tenth migration also depending on one of the previous pack (cross-pack edges).

Classes are made at run time (they have no source, so no code fingerprint: that is fine).
Three figures per size: the catalog (every class validated), the ordering alone, and the
whole plan `status` computes (each migration built and asked through the hooks). Each
figure at each size is measured in a fresh interpreter, as a command would plan.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import ModuleType

from common import Figure, Results, fresh, timed
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


def measure(figure: str, total: int, root: Path) -> float:
    """Median seconds of one figure: `catalog`, `order` or `plan`."""
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
    action = {"catalog": catalog, "order": order, "plan": plan}[figure]
    return timed(action, repeat=7, clock=time.process_time)


ALONE = f"""
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from bench_planning import measure
with tempfile.TemporaryDirectory() as folder:
    root = Path(folder) / "project"
    (root / ".kuzu-memory").mkdir(parents=True)
    print(json.dumps({{"seconds": measure(sys.argv[1], int(sys.argv[2]), root)}}))
"""
"""`measure` in a fresh interpreter, as a command plans: objects an earlier figure left in
the process would make every garbage collection of a later one slower."""

FIGURES = ("catalog", "order", "plan")


def run_all(results: Results, sizes: list[int]) -> None:
    figures = {
        size: {key: fresh(ALONE, key, str(size))["seconds"] for key in FIGURES} for size in sizes
    }
    small = sizes[0]
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
