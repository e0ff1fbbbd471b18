"""Every command's --help reads like a well-made CLI's, at 60 and 80 columns: a flag shows
no value, a value option its metavar, and every help text wraps between words."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
from cli_support import PROGRAM, Output, environment, in_pipe, in_terminal
from kuzu_memory_migrations.cli import app
from typer.main import get_command

BOX = re.compile(r"[│╭╮╰╯─┃━┏┓┗┛]")


def commands(command: Any = None, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    command = command or get_command(app)
    found = [(path, command)]
    for name, sub in getattr(command, "commands", {}).items():
        found += commands(sub, (*path, name))
    return found


COMMANDS = commands()


def help_words(command: Any) -> set[str]:
    """Every word of the command's help, epilog, parameters' help, and (for a group) the
    first paragraph of each of its commands' help, as its command list shows them."""
    texts = [command.help or "", command.epilog or ""]
    texts += [getattr(p, "help", None) or "" for p in command.params]
    texts += [(c.help or "").split("\n\n")[0] for c in getattr(command, "commands", {}).values()]
    return {word for text in texts for word in text.split()}


def shown(mode: str | int, path: tuple[str, ...]) -> Output:
    if mode == "pipe":
        return in_pipe(*path, "--help", env={"COLUMNS": "60"})
    return in_terminal(*path, "--help", columns=int(mode))


@pytest.mark.parametrize("mode", ["pipe", 60, 80])
@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "main" for p, _ in COMMANDS]
)
def test_help_wraps_between_words_and_flags_show_no_value(
    mode: str | int, path: tuple[str, ...], command: Any
) -> None:
    output = shown(mode, path)

    assert output.code == 0, output.text
    assert "<bool>" not in output.text
    assert "…" not in output.text
    tokens = set(BOX.sub(" ", output.text).split())
    broken = sorted(help_words(command) - tokens)
    assert not broken, (broken, output.text)
    width = 60 if mode == "pipe" else int(mode)
    assert all(len(line.rstrip()) <= width for line in output.lines), output.text
    for param in command.params:
        if getattr(param, "is_flag", False) or param.param_type_name != "option":
            continue
        rows = [BOX.sub(" ", line).split() for line in output.lines]
        [row] = [row for row in rows if param.opts[0] in row[:2]]  # "--opt", or "* --opt"
        assert param.metavar and param.metavar in row, row  # --limit N, --to VERSION


def test_no_option_wraps_inside_its_metavar() -> None:
    """`new migration --type` said <config|schema|ho / oks|...>: a word broken in two."""
    output = in_terminal("new", "migration", "--help", columns=60)

    assert "ho\n" not in output.text
    assert "TYPE" in output.text
    words = " ".join(BOX.sub(" ", output.text).split())
    assert "config, schema, hooks, settings, structure, data, cleanup." in words


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("status", "--bogus"), "error: No such option: --bogus"),
        (
            ("run", "--type", "nosuch"),
            "error: Invalid value for '--type' / '-t': 'nosuch' is not one of 'config',",
        ),
    ],
)
def test_a_usage_error_in_a_pipe_is_one_error_line_and_a_hint(
    args: tuple[str, ...], message: str
) -> None:
    done = subprocess.run(
        [*PROGRAM, *args],
        env=environment({"COLUMNS": "60"}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 64 and done.stdout == ""
    error, hint = done.stderr.splitlines()
    assert error.startswith(message), error
    assert hint == f"Try 'python -m kuzu_memory_migrations {args[0]} -h' for help."
    assert not BOX.search(done.stderr)


def test_a_usage_error_in_a_terminal_is_clicks_box() -> None:
    shown = in_terminal("run", "--type", "nosuch", columns=80)
    assert shown.code == 64 and BOX.search(shown.text) and "Value error" not in shown.text
