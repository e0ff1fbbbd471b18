"""One module per group of commands; importing them registers them on the app."""

from . import adopt, history, inspect, plugins, rollback, run, scaffold

__all__ = ["adopt", "history", "inspect", "plugins", "rollback", "run", "scaffold"]
