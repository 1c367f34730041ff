"""How a call's texts are grouped into the embedding model's forward passes.

A pass pads every text to its longest, so a few long comments among short ones make the short
ones cost as much as the long: in passes of 32 texts, a batch of 32 gm-threads comments (one in
six cut at the model's limit) carried 2.1 times the tokens it has. Small passes waste nothing,
but each pass has a fixed cost too, which grows on a busy machine where every operation waits
for all of torch's threads. So the texts are sorted longest first and cut where the tokens
saved outweigh the cost of one more pass, counted as PASS_COST_TOKENS tokens. Measured with
benchmarks/bench_relevance_cost.py (256 comments in batches of 32, 96-token cut, idle 2-core
machine): 128 took 12% less time than 512 with one torch thread (6.7 s against 7.8 s) and the
same with two (4.9-5.3 s against 5.0-5.3 s, three alternating rounds).
"""

from __future__ import annotations

from collections.abc import Sequence

PASS_COST_TOKENS = 128  # one more forward pass is worth this many padded tokens
MAX_PASS_TEXTS = 64  # bounds a pass's memory (64 x 96 tokens) and the search below


def passes(lengths: Sequence[int]) -> list[list[int]]:
    """The texts' indices (given their lengths in tokens) grouped into passes, longest first,
    with the fewest padded tokens plus PASS_COST_TOKENS per pass."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    longest = [lengths[i] for i in order]
    # cost[end]: the cheapest way to embed the `end` longest texts; first[end]: where the
    # last of its passes starts (a pass is padded to the length of its first text).
    cost, first = [0.0] * (len(order) + 1), [0] * (len(order) + 1)
    for end in range(1, len(order) + 1):
        cost[end], first[end] = min(
            (cost[start] + PASS_COST_TOKENS + (end - start) * longest[start], start)
            for start in range(max(0, end - MAX_PASS_TEXTS), end)
        )
    found, end = [], len(order)
    while end:
        found.append(order[first[end] : end])
        end = first[end]
    return found[::-1]
