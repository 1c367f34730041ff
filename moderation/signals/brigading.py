"""Near-duplicates across authors (brigading, copy-paste campaigns), found with MinHash in Redis.

A comment's word pairs are summarised by a MinHash signature of 64 values; the share of equal
values estimates the Jaccard similarity of two comments' word pairs (a one-word edit in a
twenty-word comment keeps about 0.8). To find similar comments without comparing with every
recent one, the signature is cut into 16 bands of 4 values and the comment is stored for a day
under each band: comments with similarity 0.5 share a band with probability ~0.65, with 0.8
almost surely, with 0.2 almost never. Candidates are then checked on their full signatures.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Sequence
from typing import Any

from moderation.kinds import BrigadingDetails, ScorerName, ScorerState, SignalState
from moderation.signals.base import ScorerHealth, ScoringInput, SignalResult, failed
from moderation.signals.text import words

PERMUTATIONS, BANDS = 64, 16
ROWS = PERMUTATIONS // BANDS
SIMILAR = 0.5  # estimated Jaccard similarity from which two comments count as copies
MIN_WORDS = 8  # shorter comments ("Agreed", "Well said") are too common to compare
KEEP_SECONDS = 24 * 3600
PREFIX = "modq:minhash"
_PRIME = (1 << 61) - 1


@functools.cache
def _permutations() -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(20261128)  # fixed: signatures must agree across processes
    return (
        rng.integers(1, 1 << 31, PERMUTATIONS, dtype=np.uint64),
        rng.integers(0, 1 << 31, PERMUTATIONS, dtype=np.uint64),
    )


def signature(text: str) -> Any | None:
    """The MinHash signature (64 unsigned ints) of the text's word pairs, or None if short."""
    import numpy as np

    tokens = words(text)
    if len(tokens) < MIN_WORDS:
        return None
    pairs = {f"{a} {b}" for a, b in itertools.pairwise(tokens)}
    hashed = np.array(
        [
            int.from_bytes(hashlib.blake2b(p.encode(), digest_size=4).digest(), "little")
            & 0x7FFFFFFF
            for p in pairs
        ],
        dtype=np.uint64,
    )
    a, b = _permutations()
    # (a*x + b) mod p with a, x, b < 2**31 and p = 2**61 - 1: exact in 64-bit integers.
    return ((np.outer(a, hashed) + b[:, None]) % np.uint64(_PRIME)).min(axis=1)


def band_keys(sig: Any) -> list[str]:
    """The 16 bucket keys of a signature."""
    return [
        f"{PREFIX}:{band}:"
        + hashlib.blake2b(sig[band * ROWS : (band + 1) * ROWS].tobytes(), digest_size=8).hexdigest()
        for band in range(BANDS)
    ]


def signature_similarity(first: Any, second: Any) -> float:
    """The estimated Jaccard similarity of two signatures."""
    return float((first == second).mean())


class BrigadingScorer:
    """How many other authors posted nearly the same comment in the last day."""

    name = ScorerName.BRIGADING
    version = "minhash-64x16"

    def __init__(self, redis_client: Any) -> None:
        self.redis = redis_client

    def score_batch(self, inputs: Sequence[ScoringInput]) -> list[SignalResult]:
        """Look every comment up, then index them all (so a batch also meets itself)."""
        import redis

        signatures = [signature(item.text) for item in inputs]
        try:
            self._index(inputs, signatures)
            candidates = self._candidates(signatures)
            known = self._signatures({c for found in candidates for c in found})
        except redis.TimeoutError as exc:
            return [
                failed(self.name, f"Redis timed out: {exc}", self.version, SignalState.TIMEOUT)
                for _ in inputs
            ]
        except redis.RedisError as exc:
            return [failed(self.name, f"Redis: {exc}", self.version) for _ in inputs]
        return [
            self._signal(item, sig, found, known)
            for item, sig, found in zip(inputs, signatures, candidates, strict=True)
        ]

    def _index(self, inputs: Sequence[ScoringInput], signatures: Sequence[Any]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for item, sig in zip(inputs, signatures, strict=True):
            if sig is None:
                continue
            member = f"{item.comment_id}|{item.author_id}"
            pipe.set(f"{PREFIX}:sig:{item.comment_id}", sig.tobytes(), ex=KEEP_SECONDS)
            for key in band_keys(sig):
                pipe.sadd(key, member)
                pipe.expire(key, KEEP_SECONDS)
        pipe.execute()

    def _candidates(self, signatures: Sequence[Any]) -> list[set[str]]:
        pipe = self.redis.pipeline(transaction=False)
        for sig in signatures:
            for key in band_keys(sig) if sig is not None else []:
                pipe.smembers(key)
        replies = iter(pipe.execute())
        found: list[set[str]] = []
        for sig in signatures:
            members: set[str] = set()
            for _ in range(BANDS if sig is not None else 0):
                members.update(m.decode() for m in next(replies))
            found.append(members)
        return found

    def _signatures(self, members: set[str]) -> dict[str, Any]:
        import numpy as np

        ids = sorted({m.split("|", 1)[0] for m in members})
        stored = self.redis.mget([f"{PREFIX}:sig:{i}" for i in ids]) if ids else []
        return {
            i: np.frombuffer(raw, dtype=np.uint64)
            for i, raw in zip(ids, stored, strict=True)
            if raw is not None
        }

    def _signal(
        self, item: ScoringInput, sig: Any, candidates: set[str], known: dict[str, Any]
    ) -> SignalResult:
        if sig is None:
            return SignalResult(
                self.name,
                self.version,
                SignalState.OK,
                {"other_authors": 0.0},
                {"skipped": f"fewer than {MIN_WORDS} words"},
            )
        members = (m.split("|", 1) for m in candidates)  # comment id | author id
        others = [
            (c, a)
            for c, a in members
            if a != item.author_id and c in known and signature_similarity(sig, known[c]) >= SIMILAR
        ]
        return SignalResult(
            self.name,
            self.version,
            SignalState.OK,
            {"other_authors": float(len({a for _, a in others}))},
            dict(BrigadingDetails(similar_comments=sorted(c for c, _ in others)[:5])),
        )

    def warm_up(self) -> None:
        """Nothing to load."""

    def health(self) -> ScorerHealth:
        """ok when Redis answers."""
        import redis

        try:
            self.redis.ping()
        except redis.RedisError as exc:
            return ScorerHealth(ScorerState.UNAVAILABLE, self.version, f"Redis: {exc}")
        return ScorerHealth(ScorerState.OK, self.version)
