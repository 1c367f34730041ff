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

A pass holds at most MAX_PASS_TEXTS texts, for memory: its activations are held at once and
add to a scoring worker's peak. MiniLM in float32 embedding 512 gm-threads comments 128 at a
time on one torch thread (an experiment script; three rounds): passes of up to 16 texts raised
the process's memory by 53-67 MB and took 14.6-15.5 s of CPU; of up to 64, by 162-183 MB in
12.5-15.8 s. In the fp32 BERT-base scoring worker this cap alone lowered the peak by 35-55 MB
(README, "Memory of a scoring worker").
"""

from __future__ import annotations

from collections.abc import Sequence

PASS_COST_TOKENS = 128  # one more forward pass is worth this many padded tokens
MAX_PASS_TEXTS = 16  # bounds a pass's memory and the search below (see the docstring)


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
