"""Finding and loading packs: entry points in, a pluggy manager and a record per plugin out."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata

import pluggy

from ..contract import hookspecs
from ..contract.markers import ENTRY_POINT_GROUP, PROJECT_NAME
from . import defaults

DISABLE_ENV = "KUZU_MEMORY_MIGRATIONS_DISABLE"
"""Comma-separated plugin or distribution names never to load."""
NO_AUTOLOAD_ENV = "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD"
"""When set (non-empty), only plugins named explicitly are loaded, as with pytest."""
PLUGINS_ENV = "KUZU_MEMORY_MIGRATIONS_PLUGINS"
"""Comma-separated plugins to load explicitly: entry-point names or module paths."""
CORE_PLUGIN = "kuzu-memory-migrations:defaults"


@dataclass
class PluginRecord:
    """One plugin as found: where it came from, and whether it loaded."""

    name: str
    distribution: str | None = None
    version: str | None = None
    value: str = ""
    blocked: bool = False
    error: str | None = None

    @property
    def origin(self) -> str:
        """How reports name the plugin: its distribution and version when known."""
        if self.distribution:
            return f"{self.distribution} {self.version or ''}".strip()
        return self.name


@dataclass
class PluginSet:
    """The loaded plugins and the manager that calls their hooks."""

    manager: pluggy.PluginManager
    records: list[PluginRecord] = field(default_factory=list)

    def record_of(self, plugin_name: str) -> PluginRecord:
        for record in self.records:
            if record.name == plugin_name:
                return record
        return PluginRecord(name=plugin_name)

    @property
    def problems(self) -> list[str]:
        return [f"plugin {r.name!r} ({r.origin}): {r.error}" for r in self.records if r.error]


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    manager.register(defaults, name=CORE_PLUGIN)
    return manager


def _entry_points() -> list[metadata.EntryPoint]:
    """Each entry point once, even when a distribution is visible twice on sys.path."""
    unique: dict[tuple[str, str], metadata.EntryPoint] = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        unique.setdefault((entry_point.name, entry_point.value), entry_point)
    return sorted(unique.values(), key=lambda ep: ep.name)


def _register(manager: pluggy.PluginManager, record: PluginRecord, load: object) -> None:
    try:
        plugin = load() if callable(load) else load
        manager.register(plugin, name=record.name)
    except Exception as error:  # a broken pack must not stop the others
        record.error = f"{type(error).__name__}: {error}"


def load_plugins(
    *,
    disabled: Iterable[str] = (),
    explicit: Sequence[str] = (),
    autoload: bool | None = None,
) -> PluginSet:
    """Load every pack of the entry-point group, less the disabled ones, plus explicit ones.

    Blocking works by entry-point name or distribution name, from the arguments and
    the environment; a pack that fails to import is recorded with its error.
    """
    blocked = {*disabled, *_split(os.environ.get(DISABLE_ENV))}
    wanted = [*explicit, *_split(os.environ.get(PLUGINS_ENV))]
    if autoload is None:
        autoload = not os.environ.get(NO_AUTOLOAD_ENV)
    plugins = PluginSet(new_manager())
    for entry_point in _entry_points():
        dist = entry_point.dist
        record = PluginRecord(
            name=entry_point.name,
            distribution=dist.name if dist else None,
            version=dist.version if dist else None,
            value=entry_point.value,
        )
        plugins.records.append(record)
        if record.name in blocked or record.distribution in blocked:
            record.blocked = True
        elif autoload or record.name in wanted or record.distribution in wanted:
            _register(plugins.manager, record, entry_point.load)
    known = {r.name for r in plugins.records} | {r.distribution for r in plugins.records}
    for module_name in wanted:
        if module_name in known:
            continue
        record = PluginRecord(name=module_name, value=module_name, blocked=module_name in blocked)
        plugins.records.append(record)
        if not record.blocked:
            _register(plugins.manager, record, lambda m=module_name: importlib.import_module(m))
    return plugins
