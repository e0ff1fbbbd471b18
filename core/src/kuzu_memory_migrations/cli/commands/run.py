"""`run`: apply what is pending (or, with --dry-run, show what would change)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ...contract.reports import RunReport, Status
from ...contract.results import MigrationType
from ...engine.rollback import require_known
from ...engine.runner import Mode, RunOptions
from ...engine.runner import run as run_migrations
from ..app import (
    CHANGE,
    EXIT_DEFERRED,
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
from ..render import not_undoable, outcomes_table, planned_changes, problems, summary

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


def exit_code(report: RunReport) -> int:
    """1 when anything failed or the run stopped, 75 when work was deferred, else 0."""
    if not report.ok:
        return EXIT_FAILED
    return EXIT_DEFERRED if report.deferred else 0


@app.command(rich_help_panel=CHANGE)
def run(
    context: typer.Context,
    project_root: ProjectRoot = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            "-n",
            help="Change nothing, anywhere: show the diff of every file and the Cypher each "
            "migration would run; plain I/O a migration tries is refused and listed.",
        ),
    ] = False,
    types: TypeOption = None,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            metavar="NAME",
            help="Also run this opt-in or rolled-back migration (repeatable).",
        ),
    ] = None,
    allow_path: Annotated[
        list[Path] | None,
        typer.Option(
            "--allow-path",
            metavar="PATH",
            help="Let migrations write through links in the project that lead to PATH "
            "(repeatable; the project's config can allow paths too, see below).",
        ),
    ] = None,
    lock_timeout: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for another run holding the project's lock.", metavar="SECONDS"
        ),
    ] = 30.0,
    as_json: Json = False,
) -> None:
    """Apply pending migrations in dependency order; each is undone if it fails.

    Exit status: 0 when everything pending was applied, 1 when a migration failed or was
    blocked, 75 when some were deferred (a later run does them), 64 for usage errors.

    Besides --allow-path, the project's .kuzu-memory/config.yaml may list the paths that
    links may lead to, under migrations.allow_paths.
    """
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root, tuple(allow_path or ()))
        if include:
            require_known("migration", include, sorted(project.catalog.entries))
        options = RunOptions(
            mode=Mode.DRY_RUN if dry_run else Mode.APPLY,
            types=frozenset(types or ()),
            include=frozenset(include or ()),
            lock_wait=lock_timeout,
            progress=progress_for(quiet=as_json),
        )
        report = run_migrations(project, options)
    if as_json:
        print_json(report)
        raise typer.Exit(exit_code(report))
    shown = [o for o in report.outcomes if o.status is not Status.FILTERED]
    if shown:
        title = "Dry run: nothing was written" if dry_run else f"Run on {project.root}"
        console.print(outcomes_table(shown, title=title))
        for outcome in shown:
            if outcome.planned or outcome.not_previewable:
                console.print(f"[bold]{outcome.name}[/] would:")
                planned_changes(outcome)
            if outcome.not_undoable:
                console.print(f"[bold]{outcome.name}[/] did what no journal can undo:")
                not_undoable(outcome)
    console.print(summary(report) or "Nothing to do.")
    if report.stopped:
        console.print(f"[bold red]stopped:[/] {report.stopped}", soft_wrap=True)
    problems(report.problems)
    raise typer.Exit(exit_code(report))
