"""What `status`, `plan` and `check` show: the plan, what was applied before, and how the
history compares with the installed packs (drift, orphans, downgrades, failures)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..contract.context import Trigger
from ..contract.reports import MigrationOutcome, RunReport, Status
from .audit import Audit, audit, current_entry
from .project import Project
from .runner import Mode, RunOptions, run
from .state import FailureRecord, MigrationState


@dataclass
class Overview:
    """Every known migration's standing, without changing anything."""

    plan: RunReport
    applied: list[MigrationOutcome] = field(default_factory=list)
    audit: Audit = field(default_factory=Audit)
    failures: dict[str, FailureRecord] = field(default_factory=dict)
    """Migrations whose last attempt failed or was interrupted (and not applied since)."""

    @property
    def pending(self) -> list[MigrationOutcome]:
        return [o for o in self.plan.outcomes if o.status is Status.PENDING]

    @property
    def everything(self) -> list[MigrationOutcome]:
        return [*self.applied, *self.plan.outcomes]

    @property
    def attention(self) -> list[MigrationOutcome]:
        """Applied migrations that drifted or lost their pack."""
        return [o for o in self.applied if o.drift or o.status is Status.ORPHANED]

    @property
    def stuck(self) -> list[MigrationOutcome]:
        """What the plan cannot run: blocked, or failing already in its check."""
        return [o for o in self.plan.outcomes if o.status in {Status.BLOCKED, Status.FAILED}]


def applied_outcomes(
    project: Project, state: MigrationState, found: Audit
) -> list[MigrationOutcome]:
    """One outcome per applied migration, oldest first, with where it came from."""
    outcomes: dict[str, MigrationOutcome] = {}
    for entry in state.history:
        if not entry.success:
            continue
        provenance = state.framework.applied.get(entry.name)
        current = current_entry(project, entry.name)
        orphan = found.orphans.get(entry.name)
        drift = found.drift.get(entry.name)
        outcomes[entry.name] = MigrationOutcome(
            name=current.name if current else entry.name,
            distribution=(provenance.distribution if provenance else None)
            or (current.distribution if current else None),
            migration_type=entry.migration_type,
            status=Status.ORPHANED if orphan else Status.APPLIED,
            reason=f"{orphan.reason}; its history is kept" if orphan else entry.message,
            changes=entry.changes,
            drift=drift.describe() if drift else None,
        )
    return list(outcomes.values())


def overview(project: Project, *, trigger: Trigger = Trigger.RUN) -> Overview:
    state = project.store.load()
    report = run(project, RunOptions(mode=Mode.PLAN, trigger=trigger), state)
    found = audit(project, state)
    return Overview(
        report, applied_outcomes(project, state, found), found, dict(state.framework.failures)
    )


@dataclass
class Verdict:
    """`check`: one line and an exit code (0 up to date, 2 pending, 1 errors or, if strict,
    drift, orphans, downgrades, failed or interrupted migrations and pack problems)."""

    exit_code: int
    line: str
    data: dict[str, object]


def verdict(view: Overview, *, strict: bool) -> Verdict:
    found = {
        "pending": [o.name for o in view.pending],
        "blocked": [o.name for o in view.stuck],
        "drifted": sorted(view.audit.drift),
        "orphaned": sorted(view.audit.orphans),
        "downgrades": [d.distribution for d in view.audit.downgrades],
        "failed": sorted(n for n, f in view.failures.items() if not f.interrupted),
        "interrupted": sorted(n for n, f in view.failures.items() if f.interrupted),
        "problems": list(view.plan.problems),
    }
    strict_keys = ("drifted", "orphaned", "downgrades", "failed", "interrupted", "problems")
    failing = bool(found["blocked"]) or (strict and any(found[k] for k in strict_keys))
    code = 1 if failing else 2 if found["pending"] else 0
    label = {0: "ok", 1: "failing", 2: "pending"}[code]
    parts = [
        f"{len(items)} {key}" + (f" ({', '.join(items)})" if key != "problems" else "")
        for key, items in found.items()
        if items
    ]
    line = f"{label}: {'; '.join(parts)}" if parts else "ok: nothing pending"
    return Verdict(code, line, {"status": label, "exit_code": code, "strict": strict, **found})
