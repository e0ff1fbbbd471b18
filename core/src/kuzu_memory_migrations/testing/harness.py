"""Running migrations in tests through the real machinery, with exactly the plugins chosen.

Packs are loaded as the CLI loads them (pluggy, entry points or module names), the runner
journals and records as it does for users; the only differences are that autoload is off
unless asked for, and that installed versions can be pinned to exercise version ranges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..contract.context import Trigger
from ..contract.markers import hookimpl
from ..contract.migration import Migration
from ..contract.reports import MigrationOutcome, RunReport, Status
from ..contract.results import MigrationType
from ..engine.catalog import build_catalog
from ..engine.plugins import PluginRecord, register
from ..engine.project import PluginSelection, Project
from ..engine.records import HistoryRow
from ..engine.runner import Mode, RunOptions, run
from ..engine.state import read_records


class PackOf:
    """A pack made in a test from migration classes, for a harness's ``extra=``: no
    distribution to build or install."""

    def __init__(self, *classes: type[Migration]) -> None:
        self.classes = list(classes)

    @hookimpl
    def register_migrations(self) -> list[type[Migration]]:
        return self.classes


@dataclass(frozen=True)
class MigrationHarness:
    """Plans, dry-runs and applies migrations on any project root, the way `run` does."""

    plugins: tuple[str, ...] = ()
    """Entry-point names, distribution names or module paths of the plugins to load."""
    autoload: bool = False
    """Also load every installed pack (what a user's `run` does)."""
    versions: Mapping[str, str] = field(default_factory=dict)
    """Installed versions to pretend (distribution -> version), e.g. ``{"kuzu-memory": "1.12"}``."""

    def project(self, root: Path, *, extra: Iterable[object] = ()) -> Project:
        """The project as the runner sees it; ``extra`` plugin objects take part too."""
        selection = PluginSelection(explicit=self.plugins, autoload=self.autoload)
        project = Project(Path(root).resolve(), selection)
        for index, plugin in enumerate(extra):
            record = PluginRecord(name=f"extra-{index}", value=repr(plugin))
            project.plugins.records.append(record)
            register(project.plugins, record, partial(_itself, plugin))
        if extra:
            project.catalog = build_catalog(project.plugins)  # with the extra plugins' migrations
        project.installed_versions.update(self.versions)
        return project

    def run(
        self,
        root: Path,
        *,
        dry_run: bool = False,
        types: Iterable[MigrationType] = (),
        include: Iterable[str] = (),
        trigger: Trigger = Trigger.RUN,
        extra: Iterable[object] = (),
    ) -> RunReport:
        """Apply what is pending (or only show it, with ``dry_run``); returns the report."""
        options = RunOptions(
            mode=Mode.DRY_RUN if dry_run else Mode.APPLY,
            trigger=trigger,
            types=frozenset(types),
            include=frozenset(include),
            lock_wait=0,
        )
        return run(self.project(root, extra=extra), options)

    def plan(self, root: Path) -> RunReport:
        """What `run` would do and why everything else would not, changing nothing."""
        return run(self.project(root), RunOptions(mode=Mode.PLAN))

    def history(self, root: Path) -> list[HistoryRow]:
        """The project's history, oldest first, as the next run will read it."""
        records = read_records(self.project(root).layout)
        try:
            return records.history()
        finally:
            records.close()

    def applied(self, root: Path) -> list[str]:
        """Names of the migrations recorded as applied, in the order they ran."""
        records = read_records(self.project(root).layout)
        try:
            names = [row.entry.name for row in records.history() if row.entry.success]
            current = records.applied_among(names)
        finally:
            records.close()
        return [name for name in names if name in current]

    def migration_names(self, *, of: Iterable[str] | None = None) -> list[str]:
        """Names of the loaded migrations (only those of the plugins ``of``, when given)."""
        catalog = self.project(Path.cwd()).catalog
        wanted = set(of) if of is not None else None
        return sorted(
            name
            for name, entry in catalog.entries.items()
            if wanted is None or entry.plugin.name in wanted or entry.distribution in wanted
        )


def _itself(plugin: object) -> object:
    return plugin


def outcomes_by_name(report: RunReport) -> dict[str, MigrationOutcome]:
    """The last outcome of each migration in a report."""
    return report.final()


def statuses(report: RunReport) -> dict[str, Status]:
    """Each migration's status in a report: the shortest thing to assert on."""
    return {name: outcome.status for name, outcome in outcomes_by_name(report).items()}
