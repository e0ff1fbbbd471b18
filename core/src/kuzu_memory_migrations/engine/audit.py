"""The history read against the installed packs: drifted code, orphans, downgrades.

Only commands that import the packs anyway (status, plan, check, repair) come here, so
fingerprinting costs the start-up fast path nothing. Nothing here changes the project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from packaging.version import InvalidVersion, Version

from .catalog import CatalogEntry
from .fingerprint import code_fingerprint, source_file
from .plugins import PluginRecord
from .project import Project, installed_version
from .state import MigrationState


@dataclass(frozen=True)
class Drift:
    """An applied migration whose code differs from the code that ran (or was accepted)."""

    name: str
    distribution: str | None
    source_file: str | None
    recorded: str
    current: str

    def describe(self) -> str:
        return (
            f"{self.name} ({self.distribution or 'unknown pack'}) changed since it ran: "
            f"code {self.recorded[:12]} then, {self.current[:12]} now, in "
            f"{self.source_file or 'an unknown file'}; after checking, "
            f"`kuzu-memory-migrations repair {self.name}` accepts it"
        )


@dataclass(frozen=True)
class Orphan:
    """An applied migration no installed pack provides any more; its history is kept."""

    name: str
    distribution: str | None
    reason: str


@dataclass(frozen=True)
class Downgrade:
    """A distribution installed at a lower version than the project was migrated with."""

    distribution: str
    installed: str
    migrated: str
    migrations: tuple[str, ...]
    """Applied migrations that came from a version newer than the installed one."""

    def describe(self) -> str:
        newer = f"; applied by the newer version: {', '.join(self.migrations)}"
        return (
            f"{self.distribution} is installed at {self.installed}, older than {self.migrated} "
            f"this project was migrated with{newer if self.migrations else ''}; nothing is "
            "undone automatically"
        )


@dataclass
class Audit:
    drift: dict[str, Drift] = field(default_factory=dict)
    orphans: dict[str, Orphan] = field(default_factory=dict)
    downgrades: list[Downgrade] = field(default_factory=list)


def current_entry(project: Project, name: str) -> CatalogEntry | None:
    """The installed migration an applied name stands for (itself, or what replaces it)."""
    catalog = project.catalog
    return catalog.entries.get(name) or catalog.entries.get(catalog.replaced_by.get(name, ""))


def drift_of(project: Project, state: MigrationState, name: str) -> Drift | None:
    """Drift of one applied migration, judged against the accepted reference if any."""
    entry = project.catalog.entries.get(name)
    provenance = state.framework.applied.get(name)
    if entry is None or provenance is None:
        return None  # renamed (applied under a name it replaces) or written by the old system
    recorded = state.framework.reference_fingerprints.get(name) or provenance.fingerprint
    current = code_fingerprint(entry.cls)
    if recorded is None or current is None or recorded == current:
        return None
    return Drift(name, entry.distribution, source_file(entry.cls), recorded, current)


def _orphan(
    project: Project,
    state: MigrationState,
    name: str,
    version_of: Callable[[str], str | None] = installed_version,
) -> Orphan | None:
    """Why no installed pack provides `name`; None when that cannot be told (pack not loaded)."""
    provenance = state.framework.applied.get(name)
    distribution = provenance.distribution if provenance else None
    records = project.plugins.records

    def all_loaded(among: list[PluginRecord]) -> bool:
        return all(project.plugins.manager.has_plugin(r.name) for r in among)

    if distribution is None:
        if not all_loaded(records):
            return None  # a pack that is not loaded may provide it
        return Orphan(
            name,
            None,
            "recorded without provenance (by the old built-in system); "
            "no installed pack provides it",
        )
    if version_of(distribution) is None:
        was = (
            f" {provenance.distribution_version}"
            if provenance and provenance.distribution_version
            else ""
        )
        return Orphan(name, distribution, f"its pack {distribution}{was} is not installed")
    own = [r for r in records if r.distribution == distribution]
    if not own or not all_loaded(own):
        return None  # blocked, broken or not selected: it may still provide it
    return Orphan(
        name,
        distribution,
        f"{distribution} {version_of(distribution)} no longer provides it",
    )


def _version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def downgrades(project: Project, state: MigrationState) -> list[Downgrade]:
    """Per distribution: the newest version it was migrated with (state or provenance)."""
    newest: dict[str, Version] = {}
    candidates: list[tuple[str, str | None]] = [*project.migrated_versions(state).items()]
    candidates += [
        (p.distribution, p.distribution_version)
        for p in state.framework.applied.values()
        if p.distribution
    ]
    for distribution, text in candidates:
        version = _version(text)
        if version and version > newest.get(distribution, Version("0")):
            newest[distribution] = version
    found = []
    for distribution, migrated in sorted(newest.items()):
        installed = _version(
            project.installed_versions.get(distribution) or installed_version(distribution)
        )
        if installed is None or installed >= migrated:
            continue
        newer = tuple(
            name
            for name, p in state.framework.applied.items()
            if p.distribution == distribution
            and (v := _version(p.distribution_version)) is not None
            and v > installed
        )
        found.append(Downgrade(distribution, str(installed), str(migrated), newer))
    return found


def audit(project: Project, state: MigrationState) -> Audit:
    result = Audit(downgrades=downgrades(project, state))
    version_of = cache(installed_version)  # one metadata look-up per pack, not per entry
    for name in sorted(state.applied_names()):
        if current_entry(project, name) is None:
            if orphan := _orphan(project, state, name, version_of):
                result.orphans[name] = orphan
        elif drift := drift_of(project, state, name):
            result.drift[name] = drift
    return result
