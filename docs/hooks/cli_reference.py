"""mkdocs hook: fills `<!-- cli-reference -->` with the --help of every command.

The help comes from the typer app itself, so the page cannot drift from the CLI.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- cli-reference -->"
PROGRAM = "kuzu-memory-migrations"


def _help(path: list[str]) -> str:
    from kuzu_memory_migrations.cli import app
    from typer.testing import CliRunner

    environment = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    result = CliRunner().invoke(app, [*path, "--help"], env=environment, prog_name=PROGRAM)
    if result.exit_code != 0:
        raise RuntimeError(f"{PROGRAM} {' '.join(path)} --help failed: {result.output}")
    return "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())


def _commands(command: Any, path: list[str]) -> list[list[str]]:
    """Every command path, groups before their subcommands, in the app's own order."""
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, [*path, name])
    return found


def reference() -> str:
    from kuzu_memory_migrations.cli import app
    from typer.main import get_command

    sections = []
    for path in _commands(get_command(app), []):
        title = " ".join([PROGRAM, *path])
        sections.append(f"## `{title}`\n\n```text\n{_help(path)}\n```\n")
    return "\n".join(sections)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return markdown.replace(MARKER, reference()) if MARKER in markdown else markdown
