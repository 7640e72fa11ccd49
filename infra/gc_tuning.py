"""How often Python's cyclic garbage collector runs while bulkhead works on a large network."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fewer_collections(young: int = 50_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often for the duration; restore the caller's setting after.

    Reading a snapshot, checking its shape, normalizing and evaluating allocate millions of
    small, acyclic objects; with the default young-generation threshold (700) the collector
    rescans that growing heap over and over: ~30% of a 1,000-segment `verify --snapshot`
    (bench/RESULTS.md). Memory stays bounded: the collector still runs, every `young`
    allocations instead of every 700. The CLI runs each command under it (`infra.cli:main`);
    a library caller working on large networks can do the same.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
