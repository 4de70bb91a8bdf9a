"""Deterministic replacement for upstream's PolyGraphBuilderFinetune._random_select.

Upstream keeps item 0 and random.sample()s n-1 of the others when there are
more than n. Our rule (n = 10 at the call site):
  N <= n : keep all, in order;
  N >  n : keep index 0 and indices 1 + floor(k * (N - 1) / (n - 1)) for k = 0 .. n-2
           (distinct and increasing, since (N - 1) / (n - 1) > 1).
"""

from __future__ import annotations

RULE_TEXT = ("if N <= 10 keep all candidates in order; else keep index 0 and indices "
             "1 + floor(k*(N-1)/9) for k = 0..8 (distinct, increasing)")


def select_indices(N: int, n: int = 10) -> list[int]:
    if N <= n:
        return list(range(N))
    return [0] + [1 + (k * (N - 1)) // (n - 1) for k in range(n - 1)]


class RecordingSelect:
    """Callable with upstream's signature (items, items_pair, n); records its calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, items, items_pair, n):
        if len(items) != len(items_pair):
            raise ValueError("len(items) must be same as len(items_pair)")
        idx = select_indices(len(items), n)
        self.calls.append({"items": list(items), "pairs": list(items_pair), "n": n, "indices": idx})
        return [items[i] for i in idx], [items_pair[i] for i in idx]
