"""`status` and `plan`: what is pending and why everything else is not."""

from __future__ import annotations

from typing import Annotated

import typer

from ...engine.overview import overview
from ..app import Json, ProjectRoot, app, handled_errors, open_project, print_json
from ..console import console
from ..render import outcomes_table, problems


@app.command()
def status(
    context: typer.Context,
    project_root: ProjectRoot = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every migration, applied ones too.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Show pending migrations (and, with --verbose, every other one and its standing)."""
    with handled_errors():
        project = open_project(context, project_root)
        view = overview(project)
    if as_json:
        print_json({
            "project_root": str(project.root),
            "pending": [o.model_dump(mode="json") for o in view.pending],
            "migrations": [o.model_dump(mode="json") for o in view.everything],
            "problems": view.plan.problems,
        })
        return
    console.print(f"Project: [bold]{project.root}[/]")
    shown = view.everything if verbose else view.pending
    if shown:
        title = "Migrations" if verbose else f"{len(view.pending)} pending"
        console.print(outcomes_table(shown, title=title))
    if not view.pending:
        console.print("[green]Up to date:[/] nothing pending.")
    else:
        console.print("Run [bold]kuzu-memory-migrations run[/] to apply (or --dry-run to preview).")
    problems(view.plan.problems)


@app.command()
def plan(
    context: typer.Context, project_root: ProjectRoot = None, as_json: Json = False
) -> None:
    """The ordered list of what `run` would apply, and for every other migration why not."""
    with handled_errors():
        project = open_project(context, project_root)
        view = overview(project)
    if as_json:
        print_json(view.plan)
        return
    console.print(outcomes_table(view.everything, title=f"Plan for {project.root}"))
    problems(view.plan.problems)
