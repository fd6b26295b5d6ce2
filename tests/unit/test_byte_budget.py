"""The cache bounded by bytes that every cache of the request path uses."""

from __future__ import annotations

from app.byte_budget import ByteBudgetCache


def test_the_least_recently_used_go_first_once_the_budget_is_spent() -> None:
    cache: ByteBudgetCache[str, str] = ByteBudgetCache(300)
    for key in "abc":
        cache.put(key, key.upper(), 100)
    assert cache.get("a") == "A"  # now b is the least recently used
    cache.put("d", "D", 100)
    assert [cache.get(key) for key in "abcd"] == ["A", None, "C", "D"]
    assert cache.bytes_used == 300
    assert len(cache) == 3


def test_a_value_dearer_than_the_budget_is_not_kept_and_evicts_nothing() -> None:
    cache: ByteBudgetCache[str, str] = ByteBudgetCache(300)
    cache.put("a", "A", 100)
    cache.put("huge", "H", 301)
    assert cache.get("huge") is None
    assert cache.get("a") == "A"
    assert cache.bytes_used == 100


def test_keeping_a_key_again_replaces_its_cost() -> None:
    cache: ByteBudgetCache[str, str] = ByteBudgetCache(300)
    cache.put("a", "A", 250)
    cache.put("a", "A2", 50)
    cache.put("b", "B", 250)
    assert (cache.get("a"), cache.get("b"), cache.bytes_used) == ("A2", "B", 300)
    cache.clear()
    assert (cache.get("a"), cache.bytes_used, len(cache)) == (None, 0, 0)
