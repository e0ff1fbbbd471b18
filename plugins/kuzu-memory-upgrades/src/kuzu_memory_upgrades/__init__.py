"""kuzu-memory's own upgrade history, 1.6 -> 1.12.11, as a kuzu-memory-migrations pack."""

__version__ = "1.12.11"
"""The kuzu-memory release whose expectations this pack brings projects to."""
