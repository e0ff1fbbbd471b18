"""What runs and plans report: to hooks, to the CLI's `--json`, to the host at start-up."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DOCUMENTED = ConfigDict(use_attribute_docstrings=True)
"""Each field's docstring is its description (docs/reference/json.md shows them)."""


class Status(StrEnum):
    """Where one migration stands, in a plan or after a run."""

    PENDING = "pending"  # would be applied now
    APPLIED = "applied"  # applied earlier or in this run
    FAILED = "failed"  # failed in this run (undone) or earlier, not retried at start-up
    DEFERRED = "deferred"  # could not run now (database held open); retried later
    BLOCKED = "blocked"  # a dependency failed, is missing, or forms a cycle
    NOT_APPLICABLE = "not_applicable"  # nothing to do in this project
    VETOED = "vetoed"  # a plugin's check_migration said no
    OUT_OF_RANGE = "out_of_range"  # its axis distribution's version is outside the range
    INTERRUPTED = "interrupted"  # a crash stopped it; it was undone on the next run
    FILTERED = "filtered"  # left out by `run --type`
    ORPHANED = "orphaned"  # applied, but no installed pack provides it now (history kept)
    ROLLED_BACK = "rolled_back"  # undone by `rollback`; runs again only with `run --include`
    OPT_IN = "opt_in"  # runs only when asked for by name (`run --include`)
    HOST = "host"  # applied by kuzu-memory's own built-in migration system


class PlannedFileChange(BaseModel):
    """One change a dry run would make: a file diff, a move, a Cypher statement."""

    model_config = DOCUMENTED

    action: str
    """`create`, `modify`, `remove`, `move` (with `target`), `mkdir` or `cypher`."""
    path: str
    """Relative to the project root where inside it; for `cypher`, the database."""
    target: str | None = None
    diff: str = ""
    """A unified diff of whole lines; for `cypher`, the statement."""


class PlainIO(BaseModel):
    """File access or a subprocess by pack code that the framework did not make itself:
    refused in a dry run (not previewable), recorded as not undoable in a run."""

    model_config = DOCUMENTED

    operation: str
    """`open for writing`, `remove`, `rename`, `remove tree`, `subprocess`, `cypher`, ..."""
    path: str
    """The path (or the command, the statement) it was about."""
    where: str
    """The file:line of the pack code that tried it."""


class MigrationOutcome(BaseModel):
    """One migration's line in a plan or a run report."""

    model_config = DOCUMENTED

    name: str
    distribution: str | None = None
    """The pack (distribution) that provides it."""
    migration_type: str
    description: str = ""
    status: Status
    """`pending`, `applied`, `failed`, `deferred`, `blocked`, `not_applicable`, `vetoed`,
    `out_of_range`, `interrupted`, `filtered`, `orphaned`, `rolled_back`, `opt_in`, `host`."""
    reason: str = ""
    """Why it stands where it does, or what it reported."""
    changes: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    planned: list[PlannedFileChange] = Field(default_factory=list)
    """A dry run's changes, file by file."""
    not_previewable: list[PlainIO] = Field(default_factory=list)
    """Plain I/O a dry run refused: what the migration would have done is not shown."""
    not_undoable: list[PlainIO] = Field(default_factory=list)
    """What it did that no journal can undo (a subprocess, say)."""
    duration_ms: float | None = None
    drift: str | None = None
    """How its code changed since it ran, and how to accept it."""


class RunReport(BaseModel):
    """Everything a run did; `ok` is what an exit code or a host's start-up check needs."""

    model_config = DOCUMENTED

    project_root: Path
    trigger: str
    """`run`, `startup` (auto_migrate), ..."""
    dry_run: bool = False
    """True for a dry run and for a plan."""
    outcomes: list[MigrationOutcome] = Field(default_factory=list)
    """One per migration, in the order they were taken (a crash's leftovers first)."""
    problems: list[str] = Field(default_factory=list)
    """Pack, plugin and state problems, each naming the distribution or file."""
    stopped: str | None = None
    """Why the run stopped before the end (an undo that failed, a database that cannot be
    checked); nothing after that point ran."""

    def count(self, status: Status) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status is status)

    def final(self) -> dict[str, MigrationOutcome]:
        """Each migration's last outcome (one a crash interrupted may be applied later on)."""
        return {outcome.name: outcome for outcome in self.outcomes}

    @property
    def ok(self) -> bool:
        """Nothing ended failed or blocked, and the run was not stopped."""
        return self.stopped is None and not any(
            outcome.status in {Status.FAILED, Status.BLOCKED, Status.INTERRUPTED}
            for outcome in self.final().values()
        )

    @property
    def deferred(self) -> bool:
        """Work remains that a later run will do (a database held open, say)."""
        return any(outcome.status is Status.DEFERRED for outcome in self.final().values())
