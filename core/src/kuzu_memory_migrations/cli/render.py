"""Rich tables and lines for people; the JSON shapes are the pydantic models themselves."""

from __future__ import annotations

from collections.abc import Iterable

from rich.syntax import Syntax
from rich.table import Table

from ..contract.reports import MigrationOutcome, RunReport, Status
from .console import console

STYLE = {
    Status.PENDING: "cyan",
    Status.APPLIED: "green",
    Status.FAILED: "bold red",
    Status.INTERRUPTED: "red",
    Status.BLOCKED: "red",
    Status.DEFERRED: "yellow",
    Status.VETOED: "magenta",
    Status.NOT_APPLICABLE: "dim",
    Status.OUT_OF_RANGE: "dim",
    Status.FILTERED: "dim",
    Status.ORPHANED: "yellow",
    Status.ROLLED_BACK: "magenta",
    Status.OPT_IN: "dim",
    Status.HOST: "green",
}


def status_text(status: Status) -> str:
    return f"[{STYLE[status]}]{status.value.replace('_', ' ')}[/]"


def outcomes_table(outcomes: Iterable[MigrationOutcome], *, title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("migration", style="bold", no_wrap=True)
    table.add_column("pack")
    table.add_column("type")
    table.add_column("status", no_wrap=True)
    table.add_column("why / what")
    for outcome in outcomes:
        detail = outcome.reason or outcome.description
        if outcome.status is Status.NOT_APPLICABLE and outcome.description:
            detail = f"{outcome.reason}: {outcome.description}"
        if outcome.drift:
            detail = f"[yellow]drift:[/] {outcome.drift}\n{detail}".strip()
        table.add_row(
            outcome.name,
            outcome.distribution or "-",
            outcome.migration_type,
            status_text(outcome.status),
            detail,
        )
    return table


def problems(lines: Iterable[str]) -> None:
    for line in lines:
        console.print(f"[yellow]warning:[/] {line}", soft_wrap=True)


def summary(report: RunReport) -> str:
    counted = [(status, report.count(status)) for status in Status]
    return ", ".join(
        f"{count} {status.value.replace('_', ' ')}" for status, count in counted if count
    )


def planned_changes(outcome: MigrationOutcome) -> None:
    """A dry run's diffs, per file, the Cypher a schema migration would run, and what it
    tried outside the helpers (refused: not previewable)."""
    for attempt in outcome.not_previewable:
        console.print(
            f"  [yellow]not previewable[/] {attempt.operation} {attempt.path} (at {attempt.where})",
            soft_wrap=True,
        )
    for change in outcome.planned:
        where = f"{change.path} -> {change.target}" if change.target else change.path
        console.print(f"  [cyan]{change.action}[/] {where}")
        if change.action == "cypher":
            console.print(Syntax(change.diff, "cypher", theme="ansi_dark"), highlight=False)
        elif change.diff:
            console.print(Syntax(change.diff, "diff", theme="ansi_dark"), highlight=False)
