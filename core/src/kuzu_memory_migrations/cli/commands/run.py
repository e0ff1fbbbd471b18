"""`run`: apply what is pending (or, with --dry-run, show what would change)."""

from __future__ import annotations

from typing import Annotated

import typer

from ...contract.reports import Status
from ...contract.results import MigrationType
from ...engine.runner import Mode, RunOptions
from ...engine.runner import run as run_migrations
from ..app import (
    CHANGE,
    EXIT_FAILED,
    TYPES,
    Json,
    ProjectRoot,
    app,
    handled_errors,
    open_project,
    print_json,
)
from ..console import console
from ..progress import progress_for
from ..render import outcomes_table, planned_changes, problems, summary

TypeOption = Annotated[
    list[MigrationType] | None,
    typer.Option(
        "--type",
        "-t",
        metavar="TYPE",
        help=f"Only migrations of this type (repeatable): {TYPES}.",
        case_sensitive=False,
    ),
]


@app.command(rich_help_panel=CHANGE)
def run(
    context: typer.Context,
    project_root: ProjectRoot = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            "-n",
            help="Change nothing; show the diff of every file "
            "and the Cypher each migration would run.",
        ),
    ] = False,
    types: TypeOption = None,
    lock_timeout: Annotated[
        float,
        typer.Option(
            metavar="SECONDS", help="Seconds to wait for another run holding the project's lock."
        ),
    ] = 30.0,
    as_json: Json = False,
) -> None:
    """Apply pending migrations in dependency order; each is undone if it fails.

    Exit status: 0 when everything pending was applied, 1 when any migration failed or was
    blocked, 2 for usage errors.
    """
    with handled_errors():
        project = open_project(context, project_root)
        options = RunOptions(
            mode=Mode.DRY_RUN if dry_run else Mode.APPLY,
            types=frozenset(types or ()),
            lock_wait=lock_timeout,
            progress=progress_for(quiet=as_json),
        )
        report = run_migrations(project, options)
    if as_json:
        print_json(report)
    else:
        shown = [o for o in report.outcomes if o.status is not Status.FILTERED]
        if shown:
            title = "Dry run: nothing was changed" if dry_run else f"Run on {project.root}"
            console.print(outcomes_table(shown, title=title))
            for outcome in shown:
                if outcome.planned:
                    console.print(f"[bold]{outcome.name}[/] would:")
                    planned_changes(outcome)
        console.print(summary(report) or "Nothing to do.")
        problems(report.problems)
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)
