"""`stamp`, `forget`, `repair`: adopting a project fixed by hand, and correcting the history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.text import Text

from ...engine.adoption import (
    change_records,
    forget_events,
    pack_entries,
    parse_version,
    recorded_names,
    repair_events,
    stamp_events,
)
from ...engine.records import Applied, Forgotten, ReferenceAccepted
from ...engine.rollback import require_known
from ...engine.state import read_records
from ..app import (
    EXIT_USAGE,
    HISTORY,
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
from ..shapes import ForgetDocument, RepairDocument, StampDocument

DryRun = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Show what would be recorded; write nothing.")
]
Names = Annotated[
    list[str] | None,
    typer.Argument(help="Migration names.", show_default=False, metavar="NAME..."),
]
Event = Applied | Forgotten | ReferenceAccepted


def report(
    verb: str,
    events: Sequence[Event],
    *,
    dry_run: bool,
    as_json: bool,
    root: str,
    **extra: list[str],
) -> None:
    names = [event.entry.name if isinstance(event, Applied) else event.name for event in events]
    if as_json:
        shapes: dict[str, type[BaseModel]] = {
            "stamped": StampDocument,
            "forgotten": ForgetDocument,
            "repaired": RepairDocument,
        }
        document = {"project_root": root, "dry_run": dry_run, verb: names, **extra}
        print_json(shapes[verb].model_validate(document))
        return
    prefix = f"Would have {verb}" if dry_run else verb.capitalize()
    console.print(
        Text(f"{prefix} {len(names)}: {', '.join(names)}" if names else f"Nothing {verb}.")
    )
    for label, skipped in extra.items():
        if skipped:
            console.print(Text(f"{label.replace('_', ' ').capitalize()}: {', '.join(skipped)}"))


@app.command(rich_help_panel=HISTORY)
def stamp(
    context: typer.Context,
    names: Names = None,
    pack: Annotated[
        str | None,
        typer.Option(
            "--pack",
            help="Every migration of this pack (distribution or entry-point name).",
            metavar="DIST",
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="With --pack: only migrations of this release or older (from_version <= VERSION).",
            metavar="VERSION",
        ),
    ] = None,
    dry_run: DryRun = False,
    project_root: ProjectRoot = None,
    as_json: Json = False,
) -> None:
    """Record migrations as applied without running them (a project already fixed by hand).

    Stamped entries carry provenance how='stamp'.
    """
    with handled_errors(as_json=as_json):
        if bool(names) == bool(pack) or (to and not pack):
            fail("give migration NAMES, or --pack DIST [--to VERSION]", EXIT_USAGE, as_json=as_json)
        project = open_project(context, project_root)
        if pack:
            entries = pack_entries(project, pack, parse_version(to) if to else None)
        else:
            require_known("migration", names or [], sorted(project.catalog.entries))
            entries = [project.catalog.entries[name] for name in names or []]
        events = change_records(project, stamp_events(project, entries), dry_run=dry_run)
    done = {event.entry.name for event in events}
    report(
        "stamped",
        events,
        dry_run=dry_run,
        as_json=as_json,
        root=str(project.root),
        already_applied=[e.name for e in entries if e.name not in done],
    )


@app.command(rich_help_panel=HISTORY)
def forget(
    context: typer.Context,
    names: Annotated[
        list[str], typer.Argument(help="Migration names.", show_default=False, metavar="NAME...")
    ],
    dry_run: DryRun = False,
    yes: Yes = False,
    project_root: ProjectRoot = None,
    as_json: Json = False,
) -> None:
    """Remove migrations from the history so that they run again (their changes stay)."""
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
        records = read_records(project.layout)
        try:
            require_known("migration in the history", names, recorded_names(records))
        finally:
            records.close()
    if not (yes or dry_run):
        if not console.is_terminal:
            fail("forget asks for confirmation: pass --yes to forget", EXIT_USAGE, as_json=as_json)
        typer.confirm(
            f"Forget {', '.join(names)} in {project.root}? They will run again on the next run",
            abort=True,
        )
    with handled_errors(as_json=as_json):
        events = change_records(project, forget_events(names), dry_run=dry_run)
    report("forgotten", events, dry_run=dry_run, as_json=as_json, root=str(project.root))


@app.command(rich_help_panel=HISTORY)
def repair(
    context: typer.Context,
    names: Names = None,
    dry_run: DryRun = False,
    project_root: ProjectRoot = None,
    as_json: Json = False,
) -> None:
    """Accept the current code of drifted migrations as the new reference (all, or NAMES).

    Look at what changed first: `status` names each drifted migration and its file.
    """
    with handled_errors(as_json=as_json):
        project = open_project(context, project_root)
        if names:
            records = read_records(project.layout)
            try:
                applied = records.applied_among(names)
            finally:
                records.close()
            require_known("applied migration", names, sorted(applied))
        events = change_records(project, repair_events(project, names or None), dry_run=dry_run)
    report("repaired", events, dry_run=dry_run, as_json=as_json, root=str(project.root))
