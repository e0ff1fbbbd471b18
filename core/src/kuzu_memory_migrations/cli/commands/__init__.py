"""One module per group of commands; importing them registers them on the app."""

from . import history, inspect, plugins, run

__all__ = ["history", "inspect", "plugins", "run"]
