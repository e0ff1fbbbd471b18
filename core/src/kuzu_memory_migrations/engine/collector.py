"""The garbage collector, paused while a catalog or a plan is built.

Both allocate many small objects and free few, while every pack's classes are alive: each
collection the allocations trigger walks all of them again, which made planning 10,000
migrations superlinear. Pausing (not freezing) leaves a host's own objects collectable;
what became garbage meanwhile is collected at the next collection after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    if not gc.isenabled():  # a host that manages the collector itself keeps its choice
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
