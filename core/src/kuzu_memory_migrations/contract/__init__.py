"""The contract: what packs are written against (hookspecs, base classes, results)."""
