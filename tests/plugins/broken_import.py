"""A test plugin that fails to import."""

raise ImportError("this pack is broken on purpose")
