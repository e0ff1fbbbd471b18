"""Ordering: dependencies first (topological), then priority, from_version and name.

Problems in the graph (a missing dependency, a cycle) block only the migrations involved
and their dependents; everything else is still ordered and runs.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from importlib import metadata

from .catalog import CatalogEntry


@dataclass
class Ordering:
    order: list[CatalogEntry] = field(default_factory=list)
    blocked: dict[str, str] = field(default_factory=dict)
    """Migration name -> why it cannot run, naming the migrations and packs involved."""


def _install_hint(entry: CatalogEntry) -> str:
    """Name the packs the dependent's distribution requires but that are not installed."""
    if not entry.distribution:
        return ""
    try:
        requirements = metadata.requires(entry.distribution) or []
    except metadata.PackageNotFoundError:
        return ""
    missing = []
    for requirement in requirements:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0].split("[")[0]
        for separator in "<>=!~ (":
            name = name.split(separator)[0]
        try:
            metadata.distribution(name.strip())
        except metadata.PackageNotFoundError:
            missing.append(name.strip())
    return f"; install {' or '.join(missing)}" if missing else ""


def _find_cycle(start: str, edges: Mapping[str, list[str]], among: Collection[str]) -> list[str]:
    """One dependency cycle through the unresolved nodes, for the error message."""
    path: list[str] = []
    seen: dict[str, int] = {}
    node = start
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = next(dep for dep in edges[node] if dep in among)
    return [*path[seen[node] :], node]


def order_migrations(entries: Mapping[str, CatalogEntry], satisfied: Collection[str]) -> Ordering:
    """Order the not-yet-applied `entries`; `satisfied` holds applied (and replaced) names."""
    ordering = Ordering()
    edges: dict[str, list[str]] = {}
    for name, entry in entries.items():
        deps = [dep for dep in entry.spec.depends_on if dep not in satisfied]
        missing = [dep for dep in deps if dep not in entries]
        if missing:
            ordering.blocked[name] = (
                f"depends on {', '.join(missing)}, which no installed pack provides"
                + _install_hint(entry)
            )
        edges[name] = [dep for dep in deps if dep in entries]

    dependents: dict[str, list[str]] = {name: [] for name in entries}
    waiting = {name: len(deps) for name, deps in edges.items()}
    for name, deps in edges.items():
        for dep in deps:
            dependents[dep].append(name)
    ready = [(entries[n].spec.sort_key, n) for n, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    while ready:
        _, name = heapq.heappop(ready)
        ordering.order.append(entries[name])
        for dependent in dependents[name]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, (entries[dependent].spec.sort_key, dependent))

    stuck = {name for name, count in waiting.items() if count > 0}
    while stuck:
        _block_downstream(stuck, edges, ordering.blocked)
        if not stuck:
            break
        cycle = _find_cycle(min(stuck), edges, stuck)
        for name in cycle:
            ordering.blocked[name] = "dependency cycle: " + " -> ".join(cycle)
        stuck.difference_update(cycle)
    return ordering


def _block_downstream(
    stuck: set[str], edges: Mapping[str, list[str]], blocked: dict[str, str]
) -> None:
    """Block every stuck migration that waits on a blocked one, until none is left to block."""
    progressed = True
    while progressed:
        progressed = False
        for name in sorted(stuck):
            dep = next((d for d in edges[name] if d in blocked), None)
            if dep is not None:
                blocked[name] = f"depends on {dep}, which is blocked"
                stuck.discard(name)
                progressed = True
