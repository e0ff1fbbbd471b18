"""The pluggy markers that tie packs to this framework's hooks."""

import pluggy

PROJECT_NAME = "kuzu_memory_migrations"
ENTRY_POINT_GROUP = "kuzu_memory.migrations"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
