"""Pausing Python's cyclic garbage collector around bulk work.

A 100,000-row import makes millions of short-lived objects (cell values, row tuples and dicts) and
none of them form reference cycles, so reference counting frees them all; the cyclic collector would
meanwhile walk the growing heap again and again (about a sixth of the import's time, measured). The
pause is process-wide, so concurrent imports in other threads share it: the collector is switched
back on when the last of them ends, and only if it was on before the first began.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def cycle_collector_paused():
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
