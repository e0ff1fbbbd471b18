"""Finding and loading packs: entry points in, a pluggy manager and a record per plugin out.

Hooks are called the way pluggy calls them (order, `firstresult`, wrappers). To say *which*
plugin vetoed a migration or raised, each hook implementation is called through a thin
recorder, installed when the plugin is registered: it notes the plugin that gave the
first answer, and marks an exception with the plugin it came out of first.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Generator, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from typing import Any

import pluggy

from ..contract import hookspecs
from ..contract.markers import ENTRY_POINT_GROUP, PROJECT_NAME
from . import defaults
from .isolation import contained, failure
from .variables import DISABLE_ENV, NO_AUTOLOAD_ENV, PLUGINS_ENV

CORE_PLUGIN = "kuzu-memory-migrations:defaults"
_RAISED_BY = "_kuzu_memory_migrations_plugin"

_answered_by: ContextVar[str | None] = ContextVar("kuzu_memory_migrations_answer", default=None)


@dataclass
class PluginRecord:
    """One plugin as found: where it came from, and whether it loaded."""

    name: str
    distribution: str | None = None
    version: str | None = None
    value: str = ""
    blocked: bool = False
    error: str | None = None
    version_axis: str | None = None
    """The plugin's own `version_axis`, for all its migrations."""

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

    def call(self, hook: str, **kwargs: Any) -> tuple[Any, str | None]:
        """Call a hook as pluggy does; returns its result and the plugin that answered.

        A BaseException from a plugin becomes a PackError naming it (see `isolation`).
        """
        token = _answered_by.set(None)
        try:
            caller = getattr(self.manager.hook, hook)
            result = contained(f"{hook} hook", lambda: caller(**kwargs))
            return result, _answered_by.get()
        finally:
            _answered_by.reset(token)

    def blame(self, error: BaseException) -> PluginRecord | None:
        """The plugin an exception came out of, when a hook raised it."""
        for candidate in (error, error.__cause__, error.__context__):
            name = getattr(candidate, _RAISED_BY, None)
            if name is not None:
                return self.record_of(name)
        return None


def _mark(error: BaseException, plugin_name: str) -> None:
    if getattr(error, _RAISED_BY, None) is None:
        with contextlib.suppress(AttributeError):
            setattr(error, _RAISED_BY, plugin_name)


def _recorded(impl: pluggy.HookImpl) -> None:
    """Call `impl` through a recorder that notes who answered or raised (see the module)."""
    function: Callable[..., Any] = impl.function
    name = impl.plugin_name
    if impl.wrapper or impl.hookwrapper:

        def wrapper(*args: Any) -> Generator[Any, Any, Any]:
            try:
                return (yield from function(*args))
            except BaseException as error:
                _mark(error, name)
                raise

        _replace_function(impl, wrapper)
        return

    def answer(*args: Any) -> Any:
        try:
            result = function(*args)
        except BaseException as error:
            _mark(error, name)
            raise
        if result is not None and _answered_by.get() is None:
            _answered_by.set(name)
        return result

    _replace_function(impl, answer)


def _replace_function(impl: pluggy.HookImpl, function: Callable[..., Any]) -> None:
    # HookImpl.function is a plain slot, typed Final; pluggy calls whatever it holds, with
    # the arguments named by `impl.argnames` (computed from the original, unchanged).
    setattr(impl, "function", function)  # noqa: B010


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    manager.register(defaults, name=CORE_PLUGIN)
    _record_calls(manager, defaults, CORE_PLUGIN)
    return manager


def _record_calls(manager: pluggy.PluginManager, plugin: object, name: str) -> None:
    for caller in manager.get_hookcallers(plugin) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin_name == name:
                _recorded(impl)


def _entry_points() -> list[metadata.EntryPoint]:
    """Each entry point once, even when a distribution is visible twice on sys.path."""
    unique: dict[tuple[str, str], metadata.EntryPoint] = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        unique.setdefault((entry_point.name, entry_point.value), entry_point)
    return sorted(unique.values(), key=lambda ep: ep.name)


def register(plugins: PluginSet, record: PluginRecord, load: Callable[[], object]) -> None:
    """Import and register one plugin; whatever it raises (SystemExit too) is its error."""
    try:
        plugin = contained(f"importing plugin {record.name!r}", load)
        plugins.manager.register(plugin, name=record.name)
    except Exception as error:  # a broken pack must not stop the others
        record.error = failure("importing it", error)
        return
    axis = getattr(plugin, "version_axis", None)
    if axis is not None and not isinstance(axis, str):
        record.error = f"version_axis must be a distribution name, not {axis!r}"
        plugins.manager.unregister(name=record.name)
        return
    record.version_axis = axis
    _record_calls(plugins.manager, plugin, record.name)


def disabled_names(disabled: Iterable[str] = ()) -> list[str]:
    """The plugins not to load: those named in the arguments, then in the environment."""
    return [*disabled, *_split(os.environ.get(DISABLE_ENV))]


def wanted_names(explicit: Iterable[str] = ()) -> list[str]:
    """The plugins to load explicitly: from the arguments, then from the environment."""
    return [*explicit, *_split(os.environ.get(PLUGINS_ENV))]


def plugin_names(explicit: Iterable[str] = ()) -> list[str]:
    """Every name a plugin can be disabled by: the entry-point and distribution names of
    the installed packs (nothing is imported), and the modules asked for explicitly."""
    names = {*wanted_names(explicit)}
    for entry_point in _entry_points():
        names.add(entry_point.name)
        if entry_point.dist is not None:
            names.add(entry_point.dist.name)
    return sorted(names)


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
    blocked = set(disabled_names(disabled))
    wanted = wanted_names(explicit)
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
            register(plugins, record, entry_point.load)
    known = {r.name for r in plugins.records} | {r.distribution for r in plugins.records}
    for module_name in wanted:
        if module_name in known:
            continue
        record = PluginRecord(name=module_name, value=module_name, blocked=module_name in blocked)
        plugins.records.append(record)
        if not record.blocked:
            register(plugins, record, partial(importlib.import_module, module_name))
    return plugins
