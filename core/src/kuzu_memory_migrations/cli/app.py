"""The typer app, the options every command shares, and how outcomes become exit codes.

Exit codes, the same in every command (docs/reference/cli.md has the table):

    0   success
    1   failure: a migration failed or was blocked, or an error (one line naming the file)
    2   `check` only: something is pending
    64  usage error: a bad option, an unknown name, a project root that is not a project
    75  deferred: work remains that a later run will do (a database held open, the
        project's lock held by another run)
    130 interrupted (Ctrl-C; 143 for SIGTERM): the migration under way was undone
"""

from __future__ import annotations

import inspect
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel
from rich.text import Text
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from ..contract.errors import MigrationsError
from ..contract.results import MigrationType
from ..engine.errors import LockHeld, NotAProject, UsageError
from ..engine.isolation import RunInterrupted
from ..engine.layout import find_project_root
from ..engine.plugins import disabled_names, plugin_names
from ..engine.project import PluginSelection, Project
from ..engine.rollback import require_known
from .console import error_console

EXIT_FAILED, EXIT_PENDING, EXIT_USAGE, EXIT_DEFERRED = 1, 2, 64, 75

# Help panels, so that `--help` reads in the order a user works.
INSPECT, CHANGE, HISTORY, PACKS = "Inspect", "Change the project", "History", "Packs"


def reflow(text: str | None) -> str | None:
    """Help text as paragraphs, each one line for the help's own wrapping to break between
    words (a docstring's own line breaks would otherwise stay, mid-sentence)."""
    if not text:
        return text
    shown, cut, rest = inspect.cleandoc(text).partition("\f")
    paragraphs = [p if p.startswith("\b") else " ".join(p.split()) for p in shown.split("\n\n")]
    return "\n\n".join(paragraphs) + cut + rest


class ReadableHelp:
    """--help as a well-made CLI shows it: a flag shows no value (not `<bool>`), and every
    help text wraps between words at the terminal's width."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        command: Any = self
        command.help = reflow(command.help)
        for param in command.get_params(ctx):
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
            if getattr(param, "help", None):
                param.help = reflow(param.help)
        for sub in getattr(command, "commands", {}).values():
            sub.help = reflow(sub.help)
            sub.short_help = reflow(sub.short_help)
        super().format_help(ctx, formatter)  # type: ignore[misc]


class ReadableCommand(ReadableHelp, TyperCommand):
    pass


class ReadableGroup(ReadableHelp, TyperGroup):
    pass


class App(typer.Typer):
    """A typer app whose commands and groups print readable help (ReadableHelp)."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("cls", ReadableGroup)
        super().__init__(**options)

    def command(
        self, *args: Any, **options: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        options.setdefault("cls", ReadableCommand)
        return super().command(*args, **options)


def _is(error: BaseException, kind: str) -> bool:
    """Whether `error` is click's `kind` (typer may vendor its own click: match by name)."""
    return any(cls.__name__ == kind for cls in type(error).__mro__)


class _Group(ReadableHelp, TyperGroup):
    """Usage errors exit 64, not click's 2: `check` says "pending" with 2; readable help.

    A usage error is printed as one `error:` line and a hint off a terminal (click's box
    only in one), and as an `error` document on stdout when --json was asked for.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        standalone = kwargs.pop("standalone_mode", True)
        kwargs["standalone_mode"] = False
        if not standalone:
            return super().main(*args, **kwargs)
        arguments = kwargs.get("args", args[0] if args else None)
        try:
            code = super().main(*args, **kwargs)
        except Exception as error:
            if _is(error, "Abort"):
                error_console.print("Aborted.")
                sys.exit(EXIT_FAILED)
            if not _is(error, "ClickException"):
                raise
            code = EXIT_USAGE if _is(error, "UsageError") else getattr(error, "exit_code", 1)
            _show_click_error(error, code, as_json=_asks_for_json(arguments))
            sys.exit(code)
        sys.exit(code if isinstance(code, int) else 0)


def _asks_for_json(arguments: Sequence[str] | None) -> bool:
    """Whether the command line (before any `--`) has --json."""
    given = list(sys.argv[1:] if arguments is None else arguments)
    return "--json" in given[: given.index("--") if "--" in given else len(given)]


PYDANTIC_VALUE_ERROR = "Value error, "
"""How typer's pydantic validation starts the message of a bad value (`--type nosuch`)."""


def _show_click_error(error: Any, code: int, *, as_json: bool) -> None:
    """A click error as one `error` document, one plain line and a hint, or click's box."""
    error.message = str(error.message).removeprefix(PYDANTIC_VALUE_ERROR)
    message = error.format_message()
    if as_json:
        from .shapes import ErrorDetail, ErrorDocument

        document = ErrorDocument(error=ErrorDetail(code="usage", message=message, exit_code=code))
        print_json(document)
    elif error_console.is_terminal:
        from typer import rich_utils

        rich_utils.rich_format_error(error)
    else:
        error_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)
        context = getattr(error, "ctx", None)
        if context is not None and context.command.get_help_option(context) is not None:
            hint = f"Try '{context.command_path} {context.help_option_names[0]}' for help."
            error_console.print(Text(hint), soft_wrap=True)


app = App(
    name="kuzu-memory-migrations",
    cls=_Group,
    help=(
        "Upgrade kuzu-memory projects: discover migrations from installed packs, "
        "show what is pending, apply it safely (journaled, undoable), keep the history."
    ),
    epilog=(
        "The environment does the same as the options before the command: "
        "KUZU_MEMORY_MIGRATIONS_DISABLE=a,b (--disable-plugin), "
        "KUZU_MEMORY_MIGRATIONS_PLUGINS=a,b (--plugin) and "
        "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD=1 (--no-autoload)."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

ProjectRoot = Annotated[
    Path | None,
    typer.Option(
        "--project-root",
        help="Project folder (default: the nearest ancestor holding .kuzu-memory/). A folder "
        "that is not a kuzu-memory project is refused (exit 64); nothing is created there.",
        file_okay=False,
        show_default=False,
        metavar="PATH",
    ),
]
TYPES = ", ".join(kind.value for kind in MigrationType)
"""The migration types, as --type's help lists them."""

Json = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout instead, errors included."),
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


@app.callback()
def plugin_selection(
    context: typer.Context,
    disable_plugin: Annotated[
        list[str] | None,
        typer.Option(
            "--disable-plugin",
            metavar="NAME",
            help="Do not load this plugin (entry-point or distribution name; one no "
            "installed plugin has is refused, exit 64). Repeatable.",
        ),
    ] = None,
    plugin: Annotated[
        list[str] | None,
        typer.Option(
            "--plugin",
            "-p",
            metavar="NAME",
            help="Load this plugin explicitly (entry-point name or module). Repeatable.",
        ),
    ] = None,
    no_autoload: Annotated[
        bool,
        typer.Option(
            "--no-autoload",
            help="Load only plugins named with --plugin.",
        ),
    ] = False,
) -> None:
    """Choose which installed packs take part (every command below honours this)."""
    context.obj = PluginSelection(
        disabled=tuple(disable_plugin or ()),
        explicit=tuple(plugin or ()),
        autoload=False if no_autoload else None,
    )


def chosen_plugins(context: typer.Context) -> PluginSelection:
    """The packs chosen before the command. A plugin to disable that no installed one is
    called is UnknownName (exit 64): a typo must not let the pack run unnoticed."""
    selection = context.find_object(PluginSelection) or PluginSelection()
    require_known("plugin", disabled_names(selection.disabled), plugin_names(selection.explicit))
    return selection


def open_project(
    context: typer.Context, project_root: Path | None, allow_paths: tuple[Path, ...] = ()
) -> Project:
    """The project the command is about; NotAProject (exit 64) when the root is none."""
    selection = chosen_plugins(context)
    root = project_root.absolute() if project_root else find_project_root()
    try:
        project = Project.at(root, selection, allow_paths)
    except NotAProject as error:
        if project_root is not None:
            raise
        raise NotAProject(f"{error}, or pass --project-root") from None
    # Migrations written for kuzu-memory's old system take the current folder for the
    # project, as its CLI ran them there; the command's process is ours to move.
    os.chdir(project.root)
    return project


def print_json(data: BaseModel) -> None:
    """One JSON document on stdout: a model of `shapes` (or a report)."""
    sys.stdout.write(data.model_dump_json(indent=2) + "\n")


def fail(
    message: str,
    code: int = EXIT_FAILED,
    *,
    as_json: bool = False,
    kind: str | None = None,
    **detail: Any,
) -> NoReturn:
    """One line (or, with --json, one `error` document on stdout) and the exit code;
    `detail` adds fields of `ErrorDetail` beyond the message.

    `kind` is the document's stable `code`: by default `usage` for a usage error (exit 64),
    else `error`."""
    if as_json:
        from .shapes import ErrorDetail, ErrorDocument

        kind = kind or ("usage" if code == EXIT_USAGE else "error")
        error = ErrorDetail(code=kind, message=message, exit_code=code, **detail)
        print_json(ErrorDocument(error=error))
    else:
        error_console.print(f"[bold red]error:[/] {message}", soft_wrap=True, markup=True)
    raise typer.Exit(code)


def exit_code_of(error: MigrationsError) -> int:
    if isinstance(error, UsageError):
        return EXIT_USAGE
    if isinstance(error, LockHeld):
        return EXIT_DEFERRED
    return EXIT_FAILED


@contextmanager
def handled_errors(*, as_json: bool = False) -> Iterator[None]:
    """Known failures become one clear line and an exit code, never a traceback.

    SIGTERM is treated like Ctrl-C, so the migration under way is undone either way (the
    runner notes both signals while it changes the project).
    """
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminated)
    try:
        yield
    except MigrationsError as error:
        fail(str(error), exit_code_of(error), as_json=as_json, kind=error.code)
    except OSError as error:  # an OSError names its path
        fail(str(error), as_json=as_json, kind="os")
    except KeyboardInterrupt as interrupt:
        code = 143 if isinstance(interrupt, RunInterrupted) and interrupt.signum == 15 else 130
        applied = interrupt.applied if isinstance(interrupt, RunInterrupted) else []
        undone = interrupt.undone if isinstance(interrupt, RunInterrupted) else None
        message = _interrupted(interrupt)
        if as_json:
            fail(message, code, as_json=True, kind="interrupted", applied=applied, undone=undone)
        error_console.print(f"[yellow]{message}[/]", soft_wrap=True)
        raise typer.Exit(code) from None
    finally:
        if previous == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)


def _interrupted(interrupt: KeyboardInterrupt) -> str:
    """The one line after Ctrl-C: what was undone, and what a run had applied and keeps."""
    if not isinstance(interrupt, RunInterrupted):
        return "interrupted: the change under way was undone"
    if interrupt.undone:
        said = f"interrupted: {interrupt.undone} was undone"
    else:
        said = "interrupted between migrations"
    if interrupt.applied:
        said += f"; applied before it, and kept: {', '.join(interrupt.applied)}"
    return said


def _terminated(signum: int, frame: Any) -> NoReturn:
    raise RunInterrupted(signum)


def click_command(name: str = "migrations") -> Any:
    """A command of the host's own click that hands its arguments to this app.

    `host_group.add_command(click_command())` mounts every subcommand under `migrations`.
    Typer (0.26+) vendors its own click, so the app's internal command cannot be added to a
    host's click group directly; this thin adapter works whatever typer version is installed.
    """
    import click

    @click.command(
        name,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
        help="Upgrade this project: pending migrations, history, rollback (see --help).",
    )
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    @click.pass_context
    def migrations(context: click.Context, args: tuple[str, ...]) -> None:
        app(args=list(args), prog_name=context.command_path)

    return migrations


def main() -> None:
    app()


# Commands register themselves on `app` when their modules are imported.
from . import commands  # noqa: E402, F401
