"""The records read against the installed packs: drifted code, orphans, downgrades.

Only commands that import the packs anyway (status, plan, check, repair) come here, so
fingerprinting costs the start-up fast path nothing. Nothing here changes the project.
Each question asks the records for what it needs (the installed migrations' own records,
one count per pack), so its cost follows what is shown, not the length of the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from packaging.version import InvalidVersion, Version

from .catalog import CatalogEntry
from .fingerprint import code_fingerprint, same_code, source_file
from .project import Project, installed_version
from .records import Provenance, Records


@dataclass(frozen=True)
class Drift:
    """An applied migration whose code differs from the code that ran (or was accepted)."""

    name: str
    distribution: str | None
    migration_type: str
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


def drift_of(
    project: Project, name: str, provenance: Provenance | None, reference: str | None
) -> Drift | None:
    """Drift of one applied migration, judged against the accepted reference if any."""
    entry = project.catalog.entries.get(name)
    if entry is None or provenance is None:
        return None  # renamed (applied under a name it replaces), or not ours
    recorded = reference or provenance.fingerprint
    if recorded is None or same_code(entry.cls, recorded):
        return None
    current = code_fingerprint(entry.cls)
    if current is None:
        return None
    kind = entry.spec.migration_type.value
    return Drift(name, entry.distribution, kind, source_file(entry.cls), recorded, current)


def drifts(project: Project, records: Records, names: list[str]) -> dict[str, Drift]:
    provenance = records.provenance(names)
    references = records.references(names)
    found = {}
    for name in names:
        if drift := drift_of(project, name, provenance.get(name), references.get(name)):
            found[name] = drift
    return found


def orphans(
    project: Project, records: Records, version_of: Callable[[str], str | None]
) -> dict[str, Orphan]:
    """Applied migrations no installed pack provides, per pack: a pack that is blocked,
    broken or not selected may still provide its own, so they are not called orphans."""
    found: dict[str, Orphan] = {}
    plugins = project.plugins
    for distribution, how, _ in records.applied_groups():
        if how == "host" or distribution is None:
            continue  # kuzu-memory's built-in system's own: provided by the host
        installed = version_of(distribution)
        own = [r for r in plugins.records if r.distribution == distribution]
        if installed is not None and (
            not own or not all(plugins.manager.has_plugin(r.name) for r in own)
        ):
            continue
        names = [n for n in records.applied_of(distribution) if current_entry(project, n) is None]
        if not names:
            continue
        versions = [_version(v) for _, v in records.applied_versions_of(distribution)]
        was = max((v for v in versions if v is not None), default=None)
        reason = (
            f"its pack {distribution}{f' {was}' if was else ''} is not installed"
            if installed is None
            else f"{distribution} {installed} no longer provides it"
        )
        found.update((name, Orphan(name, distribution, reason)) for name in names)
    return found


def _version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def downgrades(project: Project, records: Records) -> list[Downgrade]:
    """Per distribution: the newest version it was migrated with (records or provenance)."""
    newest: dict[str, Version] = {}
    candidates = [*project.migrated_versions(records).items(), *records.applied_versions()]
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
            for name, text in records.applied_versions_of(distribution)
            if (v := _version(text)) is not None and v > installed
        )
        found.append(Downgrade(distribution, str(installed), str(migrated), newer))
    return found


def audit(project: Project, records: Records) -> Audit:
    applied = sorted(records.applied_among(project.catalog.entries))
    return Audit(
        drift=drifts(project, records, applied),
        orphans=orphans(project, records, cache(installed_version)),
        downgrades=downgrades(project, records),
    )
