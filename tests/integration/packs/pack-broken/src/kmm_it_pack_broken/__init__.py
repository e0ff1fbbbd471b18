"""A pack whose import fails: it must be reported without stopping the others."""

raise RuntimeError("kmm-it-pack-broken cannot be imported (on purpose)")
