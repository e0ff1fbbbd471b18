"""Whether a migration may run now, decided before any of its code is called.

The rules, in order: kept back by the dependency graph (a cycle, a missing dependency),
left out by `--type`, held (opt-in, or rolled back) unless asked for by name, waiting for a
dependency that did not run in this run (deferred, held, failed), failed before at start-up
with the same code, and, in a plan, after a pending dependency (the project it will see does
not exist yet, so it cannot be judged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..contract.reports import Status
from ..contract.results import MigrationType
from .catalog import CatalogEntry
from .fingerprint import code_fingerprint
from .records import FailureRecord

MET = {Status.APPLIED, Status.NOT_APPLICABLE, Status.VETOED, Status.OUT_OF_RANGE}
"""A dependency in one of these states lets its dependents run."""

Refusal = tuple[Status, str]


@dataclass
class Admission:
    applying: bool
    planning: bool
    at_startup: bool
    include: frozenset[str] = frozenset()
    """Opt-in and rolled-back migrations asked for by name (`run --include`)."""
    types: frozenset[MigrationType] = frozenset()
    blocked: dict[str, str] = field(default_factory=dict)
    """Migration name -> why the dependency graph keeps it from running."""
    failures: dict[str, FailureRecord] = field(default_factory=dict)
    rolled_back: dict[str, str] = field(default_factory=dict)
    """Migration name -> when it was rolled back."""
    standing: dict[str, Status] = field(default_factory=dict)
    """What became of each migration this run has reached so far."""

    def refusal(self, entry: CatalogEntry) -> Refusal | None:
        """Why `entry` does not run now, or None when it may."""
        rules: tuple[Callable[[CatalogEntry], Refusal | None], ...] = (
            self._kept_back,
            self._left_out,
            self._held,
            self._unmet_dependency,
            self._failed_before,
            self._decided_later,
        )
        for rule in rules:
            if found := rule(entry):
                return found
        return None

    def _kept_back(self, entry: CatalogEntry) -> Refusal | None:
        if entry.name in self.blocked:
            return Status.BLOCKED, self.blocked[entry.name]
        return None

    def _left_out(self, entry: CatalogEntry) -> Refusal | None:
        if self.types and entry.spec.migration_type not in self.types:
            return Status.FILTERED, "not selected by --type"
        return None

    def _held(self, entry: CatalogEntry) -> Refusal | None:
        """Opt-in and rolled-back migrations run only when asked for by name."""
        if entry.name in self.include:
            return None
        if entry.name in self.rolled_back:
            at = self.rolled_back[entry.name][:19]
            return (
                Status.ROLLED_BACK,
                f"rolled back {at}; `kuzu-memory-migrations run --include {entry.name}` "
                "applies it again",
            )
        if entry.spec.opt_in:
            return (
                Status.OPT_IN,
                f"runs only when asked for: `kuzu-memory-migrations run --include {entry.name}`",
            )
        return None

    def _unmet_dependency(self, entry: CatalogEntry) -> Refusal | None:
        """A dependency keeps it back: deferred with it, held with it, or blocking it."""
        met = set(MET)
        if not self.applying:
            met.add(Status.PENDING)  # in a plan, what would be applied counts as applied
        for dep in entry.spec.depends_on:
            status = self.standing.get(dep)
            if status is Status.DEFERRED:
                return Status.DEFERRED, f"waits for {dep}, which was deferred"
            if status in {Status.OPT_IN, Status.ROLLED_BACK}:  # held, not broken
                return (
                    Status.OPT_IN,
                    f"waits for {dep}, which runs only when asked for "
                    f"(`kuzu-memory-migrations run --include {dep}`)",
                )
            if status is not None and status not in met:
                return (
                    Status.BLOCKED,
                    f"depends on {dep}, which is {status.value.replace('_', ' ')}",
                )
        return None

    def _failed_before(self, entry: CatalogEntry) -> Refusal | None:
        """At start-up, a migration that failed with this same code is not retried."""
        failure = self.failures.get(entry.name)
        if failure is None or not self.at_startup:
            return None
        same_code = (failure.distribution_version, failure.fingerprint) == (
            entry.plugin.version,
            code_fingerprint(entry.cls),
        )
        if same_code and (not failure.interrupted or failure.count >= 2):
            return (
                Status.FAILED,
                f"failed earlier ({failure.count}x): {failure.message}; "
                "`kuzu-memory-migrations run` retries it",
            )
        return None

    def _decided_later(self, entry: CatalogEntry) -> Refusal | None:
        """In a plan, a migration after a pending one cannot be checked yet: the project
        it will see does not exist until its dependency has run (a dry run simulates it)."""
        if not self.planning:
            return None
        waiting = [d for d in entry.spec.depends_on if self.standing.get(d) is Status.PENDING]
        if not waiting:
            return None
        return Status.PENDING, f"after {', '.join(waiting)}; whether it has work is checked then"
