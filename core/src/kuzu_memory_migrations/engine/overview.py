"""What `status`, `plan` and `check` show: the plan, plus what was applied before."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..contract.context import Trigger
from ..contract.reports import MigrationOutcome, RunReport, Status
from .project import Project
from .runner import Mode, RunOptions, run
from .state import MigrationState


@dataclass
class Overview:
    """Every known migration's standing, without changing anything."""

    plan: RunReport
    applied: list[MigrationOutcome] = field(default_factory=list)

    @property
    def pending(self) -> list[MigrationOutcome]:
        return [o for o in self.plan.outcomes if o.status is Status.PENDING]

    @property
    def everything(self) -> list[MigrationOutcome]:
        return [*self.applied, *self.plan.outcomes]


def applied_outcomes(project: Project, state: MigrationState) -> list[MigrationOutcome]:
    """One outcome per applied migration, oldest first, with where it came from."""
    outcomes: dict[str, MigrationOutcome] = {}
    for entry in state.history:
        if not entry.success:
            continue
        provenance = state.framework.applied.get(entry.name)
        current = project.catalog.entries.get(entry.name) or project.catalog.entries.get(
            project.catalog.replaced_by.get(entry.name, "")
        )
        outcomes[entry.name] = MigrationOutcome(
            name=current.name if current else entry.name,
            distribution=(provenance.distribution if provenance else None)
            or (current.distribution if current else None),
            migration_type=entry.migration_type,
            status=Status.APPLIED,
            reason=entry.message,
            changes=entry.changes,
        )
    return list(outcomes.values())


def overview(project: Project, *, trigger: Trigger = Trigger.RUN) -> Overview:
    report = run(project, RunOptions(mode=Mode.PLAN, trigger=trigger))
    return Overview(report, applied_outcomes(project, project.store.load()))
