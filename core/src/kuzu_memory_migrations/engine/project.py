"""A project and the packs installed for it: what every command and the runner work on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path

from ..contract.context import RunContext, Trigger
from .catalog import Catalog, build_catalog
from .errors import NotAProject
from .layout import ProjectLayout
from .plugins import PluginSet, load_plugins
from .records import Records

HOST_DISTRIBUTION = "kuzu-memory"
"""The host app: the built-in system's `last_version` is its version."""


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
    allow_paths: tuple[Path, ...] = ()
    """Targets outside the project that links inside it may lead to (`--allow-path`)."""

    @classmethod
    def at(
        cls,
        root: Path,
        selection: PluginSelection | None = None,
        allow_paths: tuple[Path, ...] = (),
    ) -> Project:
        """The project at `root`; NotAProject (a usage error) when it is none, nothing created."""
        layout = ProjectLayout(root)
        if not root.is_dir():
            raise NotAProject(f"{root} does not exist (or is not a folder); nothing was done")
        if not layout.is_project():
            raise NotAProject(
                f"{root} is not a kuzu-memory project (it has no .kuzu-memory/ folder); "
                "start one with `kuzu-memory init`"
            )
        return cls(root, selection or PluginSelection(), allow_paths)

    @cached_property
    def layout(self) -> ProjectLayout:
        return ProjectLayout(self.root)

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

    def migrated_versions(self, records: Records) -> dict[str, str]:
        versions = records.migrated_versions()
        host = records.meta("host_last_version")
        if HOST_DISTRIBUTION not in versions and host and host != "0.0.0":
            versions[HOST_DISTRIBUTION] = host  # what the built-in system migrated to
        return versions

    def context(
        self, records: Records, *, trigger: Trigger, dry_run: bool, run_id: str = ""
    ) -> RunContext:
        return RunContext(
            project_root=self.root,
            trigger=trigger,
            dry_run=dry_run,
            run_id=run_id,
            axes={n: e.axis for n, e in self.catalog.entries.items() if e.axis},
            installed_versions=self.installed_versions,
            migrated_versions=self.migrated_versions(records),
        )

    def names_that_count(self, names: Iterable[str]) -> set[str]:
        """Every name whose record counts for these migrations: theirs and what they replace."""
        counted = set()
        for name in names:
            counted.add(name)
            entry = self.catalog.entries.get(name)
            if entry is not None:
                counted.update(entry.spec.replaces)
        return counted

    def is_applied(self, name: str, applied: set[str]) -> bool:
        """Applied under its name or any name it replaces."""
        entry = self.catalog.entries.get(name)
        aliases = entry.spec.replaces if entry else ()
        return name in applied or any(alias in applied for alias in aliases)
