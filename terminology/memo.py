"""Memos of values derived from the served content, owned by one app.

A memo is state of the app that owns it, never of the module: two apps in one process serve
different content, and a module-level memo would hand one app's values to the other. Every key
also carries the content generation (``Services.generation``), read at each use, so a value
derived from content that has since been replaced is never served; the first value stored for a
newer generation drops those of older ones. A memo is bounded: full, it starts again empty.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class ContentMemo(Generic[K, V]):
    """Values derived from the served content, by key and content generation."""

    def __init__(self, limit: int, generation: Callable[[], int]) -> None:
        self._limit = limit
        self._generation = generation
        self._stored_generation: int | None = None
        self._entries: dict[tuple[int, K], V] = {}

    def get(self, key: K) -> V | None:
        return self._entries.get((self._generation(), key))

    def put(self, key: K, value: V) -> None:
        generation = self._generation()
        if generation != self._stored_generation or len(self._entries) >= self._limit:
            self._entries = {}
            self._stored_generation = generation
        self._entries[(generation, key)] = value

    def __len__(self) -> int:
        return len(self._entries)


class IdentityMemo(Generic[T, V]):
    """Values derived from immutable objects of the served content, by object identity.

    The object is kept with its value, so its ``id`` cannot be reused by another object while
    the entry lives, and a hit is checked to be the very same object.
    """

    def __init__(self, limit: int, generation: Callable[[], int]) -> None:
        self._memo: ContentMemo[int, tuple[T, V]] = ContentMemo(limit, generation)

    def get(self, obj: T) -> V | None:
        found = self._memo.get(id(obj))
        if found is not None and found[0] is obj:
            return found[1]
        return None

    def put(self, obj: T, value: V) -> None:
        self._memo.put(id(obj), (obj, value))

    def __len__(self) -> int:
        return len(self._memo)
