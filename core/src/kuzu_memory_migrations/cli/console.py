"""The consoles every command prints through (colour off when not a terminal, or NO_COLOR)."""

from rich.console import Console

console = Console(highlight=False)
error_console = Console(stderr=True, highlight=False)
