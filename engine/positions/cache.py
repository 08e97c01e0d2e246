"""The public search's result cache: per process, keyed by search_versions' counter, so never stale."""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date

from sqlalchemy import select

from engine.models import SearchVersion


class LruCache:
    """A bounded, thread-safe map that forgets the least recently used entry first."""

    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


# Search results of this process, keyed by the filters, the day and search_versions' counter (raised by
# triggers in every writer's transaction), so a hit is never older than the data.
RESULT_CACHE = LruCache(256)


_VERSION = select(SearchVersion.version).where(SearchVersion.name == "positions")


def search_version(session) -> int | None:
    return session.scalar(_VERSION)


def cache_key(url, version: int, today: date, per_page: int, filters) -> tuple:
    return (url, version, today, per_page, filters)


def current_version(engine) -> int | None:
    """search_versions' counter, read on a pooled connection of its own with the driver's own cursor (a
    fifth of the cost of a Core statement, on the path every search takes) and no ORM session."""
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT version FROM search_versions WHERE name = 'positions'")
        row = cursor.fetchone()
        cursor.close()
    finally:
        conn.close()
    return row[0] if row else None
