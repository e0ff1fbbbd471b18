"""The command line: a typer app a host CLI can mount as its `migrations` group."""

from .app import app, click_command, main

__all__ = ["app", "click_command", "main"]
