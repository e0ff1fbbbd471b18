"""One module per group of commands; importing them registers them on the app."""

# ruff: noqa: I001 - the import order is the order of `--help`'s panels and commands.
from . import inspect, run, rollback, history, adopt, plugins, scaffold

__all__ = ["adopt", "history", "inspect", "plugins", "rollback", "run", "scaffold"]
