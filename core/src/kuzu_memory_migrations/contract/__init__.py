"""The contract: what packs are written against (hookspecs, base classes, the interfaces a
migration uses, results and reports). It imports nothing from the engine."""
