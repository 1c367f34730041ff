"""How a call's texts are grouped into the embedding model's forward passes.

A pass pads every text to its longest, so a few comments cut at 128 tokens among short ones
make the short ones cost 128 tokens each: in passes of 32 texts, a batch of 32 gm-threads
comments (one in six is cut at 128 tokens) carried 2.1 times the tokens it has. Small passes
waste nothing, but each pass has a fixed cost too, and on a busy machine with two torch
threads that cost grows large (every operation waits for both threads): there, passes of 8
took twice the CPU of passes of 32 despite 1.75 times fewer tokens. So the texts are sorted
longest first and cut where the tokens saved outweigh the cost of one more pass, counted as
PASS_COST_TOKENS tokens: 1.4 times the tokens the batch has, in 2 passes instead of 1, for
batches of 32; 1.2 times in the same 4 passes as before for batches of 128.
"""

from __future__ import annotations

from collections.abc import Sequence

PASS_COST_TOKENS = 512  # one more forward pass is worth this many padded tokens
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
