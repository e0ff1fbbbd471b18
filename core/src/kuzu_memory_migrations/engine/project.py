"""A project and the packs installed for it: what every command and the runner work on."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path

from ..contract.context import ProgressFactory, RunContext, Trigger, silent_progress
from .catalog import Catalog, build_catalog
from .layout import ProjectLayout
from .plugins import PluginSet, load_plugins
from .state import MigrationState, StateStore

HOST_DISTRIBUTION = "kuzu-memory"
"""The host app: the old built-in system's `last_version` is its version."""


@dataclass(frozen=True)
class PluginSelection:
    """Which plugins to load (the CLI's --disable-plugin, -p and --no-autoload)."""

    disabled: tuple[str, ...] = ()
    explicit: tuple[str, ...] = ()
    autoload: bool | None = None

    @property
    def is_default(self) -> bool:
        """Only runs with the default selection may declare the project idle."""
        return not (self.disabled or self.explicit or self.autoload is not None)


def installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


@dataclass
class Project:
    root: Path
    selection: PluginSelection = field(default_factory=PluginSelection)

    @cached_property
    def layout(self) -> ProjectLayout:
        return ProjectLayout(self.root)

    @cached_property
    def store(self) -> StateStore:
        return StateStore(self.layout)

    @cached_property
    def plugins(self) -> PluginSet:
        return load_plugins(
            disabled=self.selection.disabled,
            explicit=self.selection.explicit,
            autoload=self.selection.autoload,
        )

    @cached_property
    def catalog(self) -> Catalog:
        return build_catalog(self.plugins)

    @property
    def problems(self) -> list[str]:
        return [*self.plugins.problems, *self.catalog.problems]

    @cached_property
    def installed_versions(self) -> dict[str, str]:
        """Installed version of every distribution a version range is read against."""
        versions = {
            r.distribution: r.version for r in self.plugins.records if r.distribution and r.version
        }
        for name in {e.axis for e in self.catalog.entries.values()} | {HOST_DISTRIBUTION}:
            if name and name not in versions and (found := installed_version(name)):
                versions[name] = found
        return versions

    def migrated_versions(self, state: MigrationState) -> dict[str, str]:
        versions = dict(state.framework.migrated_versions)
        if HOST_DISTRIBUTION not in versions and state.last_version != "0.0.0":
            versions[HOST_DISTRIBUTION] = state.last_version  # a state the old system wrote
        return versions

    def context(
        self,
        state: MigrationState,
        *,
        trigger: Trigger,
        dry_run: bool = False,
        progress: ProgressFactory = silent_progress,
    ) -> RunContext:
        return RunContext(
            project_root=self.root,
            trigger=trigger,
            dry_run=dry_run,
            progress=progress,
            axes={n: e.axis for n, e in self.catalog.entries.items() if e.axis},
            installed_versions=self.installed_versions,
            migrated_versions=self.migrated_versions(state),
        )

    def is_applied(self, name: str, applied: set[str]) -> bool:
        """Applied under its name or any name it replaces."""
        entry = self.catalog.entries.get(name)
        aliases = entry.spec.replaces if entry else ()
        return name in applied or any(alias in applied for alias in aliases)
