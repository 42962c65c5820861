"""Memos of content-derived values: keyed on the content generation, bounded, by identity."""

from __future__ import annotations

from terminology.memo import ContentMemo, IdentityMemo


class Generation:
    def __init__(self) -> None:
        self.value = 0

    def __call__(self) -> int:
        return self.value


def test_a_value_is_served_only_for_the_generation_it_was_derived_from() -> None:
    generation = Generation()
    memo: ContentMemo[str, bytes] = ContentMemo(8, generation)
    memo.put("capability", b"old")
    assert memo.get("capability") == b"old"
    generation.value = 1
    assert memo.get("capability") is None
    memo.put("capability", b"new")
    assert memo.get("capability") == b"new"
    assert len(memo) == 1  # the older generation's values were dropped


def test_a_full_memo_starts_again_empty() -> None:
    memo: ContentMemo[int, int] = ContentMemo(2, lambda: 0)
    memo.put(1, 1)
    memo.put(2, 2)
    memo.put(3, 3)
    assert len(memo) == 1
    assert memo.get(3) == 3


def test_identity_memo_answers_for_the_same_object_only() -> None:
    memo: IdentityMemo[dict[str, int], int] = IdentityMemo(8, lambda: 0)
    resource = {"a": 1}
    memo.put(resource, 1)
    assert memo.get(resource) == 1
    assert memo.get({"a": 1}) is None  # equal, but another object
