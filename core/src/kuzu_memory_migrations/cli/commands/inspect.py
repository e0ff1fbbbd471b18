"""`status`, `plan` and `check`: what is pending, why everything else is not, and what in
the records no longer matches the installed packs."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

import typer
from rich.text import Text

from ...engine.overview import Overview, overview, verdict
from ..app import INSPECT, Json, ProjectRoot, app, handled_errors, open_project, print_json
from ..console import console, error_console
from ..render import labelled, outcomes_table, problems
from ..shapes import Audit, CheckDocument, Downgrade, Orphan, PlanDocument, StatusDocument

ORPHANS_NAMED = 5
"""Orphans named per pack; a pack uninstalled after thousands of migrations is one line."""


def audit_data(view: Overview) -> Audit:
    """Drift, orphans, downgrades and failures, as `status --json` and `plan --json` give them."""
    return Audit(
        drifted=view.attention,
        orphaned=[
            Orphan(name=o.name, distribution=o.distribution, reason=o.reason)
            for o in view.audit.orphans.values()
        ],
        downgrades=[
            Downgrade(
                distribution=d.distribution,
                installed=d.installed,
                migrated=d.migrated,
                migrations=list(d.migrations),
                message=d.describe(),
            )
            for d in view.audit.downgrades
        ],
        failures=view.failures,
    )


def show_attention(view: Overview, *, table: bool = True) -> None:
    """Drifted migrations (unless already shown), orphans per pack, then downgrades."""
    drifted = view.attention
    if table and drifted:
        console.print(outcomes_table(drifted, title="Needs attention"))
    by_pack: dict[str, list[str]] = defaultdict(list)
    for orphan in view.audit.orphans.values():
        by_pack[orphan.distribution or "an unknown pack"].append(orphan.name)
    for pack, names in sorted(by_pack.items()):
        named = ", ".join(sorted(names)[:ORPHANS_NAMED])
        more = f" and {len(names) - ORPHANS_NAMED} more" if len(names) > ORPHANS_NAMED else ""
        console.print(
            labelled(
                "orphaned",
                f"{len(names)} applied migration(s) of {pack}, which is not installed or no "
                f"longer provides them: {named}{more} (history kept; `status --json` lists all)",
            )
        )
    for downgrade in view.audit.downgrades:
        console.print(labelled("downgrade", downgrade.describe()))


@app.command(rich_help_panel=INSPECT)
def status(
    context: typer.Context,
    project_root: ProjectRoot = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every migration, applied ones too.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Show pending migrations, those that cannot run (failed checks, blocked), drifted or
    orphaned ones, and downgraded packs. With --verbose, every other migration too.

    Exits 0 whatever it shows; `check` is the command whose exit status gates."""
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
        view = overview(project, full=verbose or as_json)
    if as_json:
        print_json(
            StatusDocument(
                project_root=str(project.root),
                pending=view.pending,
                stuck=view.stuck,
                deferred=view.deferred,
                held=view.held,
                migrations=view.everything,
                problems=view.plan.problems,
                **dict(audit_data(view)),
            )
        )
        return
    console.print(f"Project: [bold]{project.root}[/]")
    groups = {
        "pending": view.pending,
        "deferred": view.deferred,
        "cannot run": view.stuck,
        "held": view.held,
    }
    shown = view.everything if verbose else [o for group in groups.values() for o in group]
    if shown:
        counted = ", ".join(f"{len(group)} {label}" for label, group in groups.items() if group)
        console.print(outcomes_table(shown, title="Migrations" if verbose else counted))
    show_attention(view, table=not verbose)
    if view.stuck:
        console.print("[red]Cannot run:[/] see the reasons above (`plan` shows everything).")
    if view.deferred:
        console.print(
            "[yellow]Deferred:[/] their database is held open by another process; they run "
            "when it is free."
        )
    if view.held:
        console.print("[dim]Held:[/] each runs only when asked for: `run --include NAME`.")
    if view.pending:
        console.print("Run [bold]kuzu-memory-migrations run[/] to apply (or --dry-run to preview).")
    elif not view.deferred:
        console.print("[green]Up to date:[/] nothing pending.")
    problems(view.plan.problems)


@app.command(rich_help_panel=INSPECT)
def plan(context: typer.Context, project_root: ProjectRoot = None, as_json: Json = False) -> None:
    """The ordered list of what `run` would apply, and for every other migration why not.

    Exits 0 whatever it shows; `check` is the command whose exit status gates."""
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
        view = overview(project, full=True)
    if as_json:
        print_json(PlanDocument(**dict(view.plan), **dict(audit_data(view))))
        return
    console.print(outcomes_table(view.everything, title=f"Plan for {project.root}"))
    show_attention(view, table=False)
    problems(view.plan.problems)


@app.command(rich_help_panel=INSPECT)
def check(
    context: typer.Context,
    project_root: ProjectRoot = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Also exit 1 on drift, orphans, downgrades, failed "
            "or interrupted migrations and pack problems.",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """One line for scripts and CI; the exit status says whether anything is pending.

    Exit 0: nothing pending; 2: something pending; 1: errors (a blocked migration, an
    unreadable state; with --strict also the records' mismatches); 64: not a project.
    Rolled-back migrations wait for `run --include` and count as neither.
    """
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
        view = overview(project)
        result = verdict(view, strict=strict)
    if as_json:
        print_json(
            CheckDocument.model_validate(
                {"project_root": str(project.root), **result.data, "line": result.line}
            )
        )
    else:
        problems(view.plan.problems, to=error_console)  # stdout keeps its one line
        console.print(Text(result.line))  # one line off a terminal; wrapped between words in one
    raise typer.Exit(result.exit_code)
