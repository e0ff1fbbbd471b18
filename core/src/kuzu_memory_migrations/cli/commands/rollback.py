"""`rollback NAME`: undo an applied migration from the journal kept of its changes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from ...engine.rollback import known_names, require_known, rollback_applied
from ...engine.state import read_records
from ..app import (
    CHANGE,
    EXIT_USAGE,
    Json,
    ProjectRoot,
    Yes,
    app,
    fail,
    handled_errors,
    open_project,
    print_json,
)
from ..console import console
from ..render import labelled
from ..shapes import RollbackDocument


@app.command(rich_help_panel=CHANGE)
def rollback(
    context: typer.Context,
    name: Annotated[str, typer.Argument(help="The applied migration to undo.", metavar="NAME")],
    project_root: ProjectRoot = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Roll back even over files edited since it was applied."),
    ] = False,
    lock_timeout: Annotated[
        float,
        typer.Option(
            help="Seconds to wait for another run holding the project's lock.", metavar="SECONDS"
        ),
    ] = 30.0,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Put back every file an applied migration changed, and record it as rolled back.

    Works for the newest applications (their journals are kept as backups). Refused, with
    nothing changed, when its database work was committed in a transaction, when an applied
    migration depends on it, or when its files were edited since (unless --force). A rolled
    back migration is not applied again until asked for: `run --include NAME`.
    """
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
        records = read_records(project.layout)
        try:
            require_known("migration", [name], known_names(project, records))
        finally:
            records.close()
    if not yes:
        if not console.is_terminal:
            fail(
                f"rollback asks for confirmation: pass --yes to roll back {name!r}",
                EXIT_USAGE,
                as_json=as_json,
                kind="usage",
            )
        typer.confirm(f"Roll back {name!r} in {project.root}?", abort=True)
    with handled_errors(as_json=as_json):
        done = rollback_applied(project, name, force=force, lock_wait=lock_timeout)
    if as_json:
        print_json(
            RollbackDocument(
                project_root=str(project.root),
                migration=done.name,
                backup=str(done.backup),
                restored=[str(path) for path in done.restored],
                overwritten=[str(path) for path in done.overwritten],
            )
        )
        return
    restored = (
        f" {done.name}: {len(done.restored)} path(s) restored. "
        f"`kuzu-memory-migrations run --include {done.name}` applies it again."
    )
    console.print(Text.assemble(("Rolled back", "green"), restored))
    for path in done.overwritten:
        console.print(labelled("overwritten", f"{path} (edited after the migration)"))
