"""`rollback NAME`: undo an applied migration from the journal kept of its changes."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from ...engine.recovery import RollbackRefused, rollback_applied
from ..app import (
    CHANGE,
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


@app.command(rich_help_panel=CHANGE)
def rollback(
    context: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The applied migration to undo.")],
    project_root: ProjectRoot = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Roll back even over files edited since it was applied."),
    ] = False,
    lock_timeout: Annotated[
        float,
        typer.Option(
            metavar="SECONDS", help="Seconds to wait for another run holding the project's lock."
        ),
    ] = 30.0,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Put back every file an applied migration changed, and count it as not applied.

    Works for the newest applications (their journals are kept as backups). Refused, with
    nothing changed, when its database work was committed in a transaction, when an applied
    migration depends on it, or when its files were edited since (unless --force). The
    start-up path does not re-apply it; `run` does.
    """
    project = open_project(context, project_root)
    if not yes:
        typer.confirm(f"Roll back {name!r} in {project.root}?", abort=True)
    with handled_errors():
        try:
            done = rollback_applied(project, name, force=force, lock_wait=lock_timeout)
        except RollbackRefused as refused:
            fail(str(refused))
    if as_json:
        print_json(
            {
                "project_root": str(project.root),
                "migration": done.name,
                "backup": str(done.backup),
                "restored": [str(path) for path in done.restored],
                "overwritten": [str(path) for path in done.overwritten],
            }
        )
        return
    restored = f" {done.name}: {len(done.restored)} path(s) restored."
    console.print(Text.assemble(("Rolled back", "green"), restored))
    for path in done.overwritten:
        console.print(labelled("overwritten", f"{path} (edited after the migration)"))
