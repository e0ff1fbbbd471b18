"""Every migration the loaded packs contribute, validated and attributed to its pack."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError, field_validator

from ..contract.migration import Migration
from ..contract.results import MigrationType
from .collector import collector_paused
from .isolation import contained, failure
from .plugins import CORE_PLUGIN, PluginRecord, PluginSet


class MigrationSpec(BaseModel):
    """The class attributes of a migration, checked when its pack is loaded."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    from_version: str
    to_version: str
    priority: StrictInt
    migration_type: MigrationType
    depends_on: tuple[str, ...]
    replaces: tuple[str, ...]
    legacy_names: tuple[str, ...] = ()
    version_axis: str | None = None
    opt_in: bool = False

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip() or value != value.strip():
            raise ValueError("must be a non-empty name without surrounding spaces")
        return value

    @field_validator("from_version", "to_version")
    @classmethod
    def _pep440(cls, value: str) -> str:
        try:
            Version(value)
        except InvalidVersion:
            raise ValueError(f"{value!r} is not a PEP 440 version") from None
        return value

    @field_validator("depends_on", "replaces", "legacy_names", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("must be a list or tuple of names, not a string")
        return value

    @property
    def sort_key(self) -> tuple[int, Version, str]:
        return (self.priority, Version(self.from_version), self.name)


@dataclass(frozen=True)
class CatalogEntry:
    """A validated migration class and the pack that registered it."""

    cls: type[Migration]
    spec: MigrationSpec
    plugin: PluginRecord

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def distribution(self) -> str | None:
        return self.plugin.distribution

    @property
    def axis(self) -> str | None:
        """The distribution whose version the range is read against: the class's own
        `version_axis`, else its plugin's, else the plugin's distribution."""
        return self.spec.version_axis or self.plugin.version_axis or self.plugin.distribution


@dataclass
class Catalog:
    entries: dict[str, CatalogEntry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    replaced_by: dict[str, str] = field(default_factory=dict)
    """An older name -> the migration that replaces it."""


def _attributes(cls: type) -> dict[str, Any]:
    return {name: getattr(cls, name, None) for name in MigrationSpec.model_fields}


def explain(error: ValidationError) -> str:
    """Every problem pydantic found, `field: message`, on one line."""
    return "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )


def build_catalog(plugins: PluginSet) -> Catalog:
    """Ask every plugin for its migrations; bad classes and name clashes become problems."""
    with collector_paused():
        return _build_catalog(plugins)


def _build_catalog(plugins: PluginSet) -> Catalog:
    catalog = Catalog()
    found: dict[str, list[CatalogEntry]] = defaultdict(list)
    seen: set[int] = set()  # ids, not the classes: a pack's metaclass may define __hash__
    for impl in plugins.manager.hook.register_migrations.get_hookimpls():
        if impl.plugin_name == CORE_PLUGIN:
            continue
        record = plugins.record_of(impl.plugin_name)
        try:
            classes = contained(f"{record.origin}: register_migrations()", impl.function)
        except Exception as error:  # isolate: one broken pack does not stop the others
            catalog.problems.append(failure(f"{record.origin}: register_migrations()", error))
            continue
        if not isinstance(classes, list | tuple):
            catalog.problems.append(
                f"{record.origin}: register_migrations() returned {type(classes).__name__},"
                " expected a list of Migration classes"
            )
            continue
        for cls in classes:
            if id(cls) in seen:
                continue  # listed twice by the same pack
            where = f"{record.origin}: {getattr(cls, '__qualname__', cls)!r}"
            if not (isinstance(cls, type) and issubclass(cls, Migration)):
                catalog.problems.append(f"{where} is not a Migration subclass")
                continue
            try:
                spec = MigrationSpec.model_validate(contained(where, partial(_attributes, cls)))
            except ValidationError as error:
                catalog.problems.append(f"{where} has invalid attributes: {explain(error)}")
                continue
            except Exception as error:
                catalog.problems.append(failure(f"{where}: reading its attributes", error))
                continue
            found[spec.name].append(CatalogEntry(cls, spec, record))
            seen.add(id(cls))
    for name, entries in found.items():
        if len(entries) > 1:
            origins = " and ".join(sorted(e.plugin.origin for e in entries))
            catalog.problems.append(
                f"migration name {name!r} is defined by {origins}; neither runs until one"
                " is renamed or uninstalled"
            )
            continue
        catalog.entries[name] = entries[0]
        for old in entries[0].spec.replaces:
            catalog.replaced_by[old] = name
    _rename_dependencies(catalog)
    return catalog


def _rename_dependencies(catalog: Catalog) -> None:
    """A dependency on an older name means the migration that replaces it now."""
    for name, entry in catalog.entries.items():
        renamed = tuple(catalog.replaced_by.get(dep, dep) for dep in entry.spec.depends_on)
        if renamed != entry.spec.depends_on:
            spec = entry.spec.model_copy(update={"depends_on": renamed})
            catalog.entries[name] = CatalogEntry(entry.cls, spec, entry.plugin)
