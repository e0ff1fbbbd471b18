"""The environment variables that choose which plugins load.

A module of its own, importing nothing: the start-up fast path reads them too.
"""

DISABLE_ENV = "KUZU_MEMORY_MIGRATIONS_DISABLE"
"""Comma-separated plugin or distribution names never to load."""
NO_AUTOLOAD_ENV = "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD"
"""When set (non-empty), only plugins named explicitly are loaded, as with pytest."""
PLUGINS_ENV = "KUZU_MEMORY_MIGRATIONS_PLUGINS"
"""Comma-separated plugins to load explicitly: entry-point names or module paths."""
PLUGIN_VARIABLES = (DISABLE_ENV, NO_AUTOLOAD_ENV, PLUGINS_ENV)
