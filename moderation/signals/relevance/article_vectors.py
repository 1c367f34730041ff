"""Articles as embedded passages, computed once per article version and cached.

An article is cut into passages (its title, then its paragraphs in pieces of at most 80 words);
each passage is embedded once. The cache is keyed by a digest of the article's text and the
model's name, so an edited article is embedded again and an unchanged one never is. The
database store shares the cache between workers; the memory store serves `modq eval`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from moderation.cache import Recent, Reloaded
from moderation.signals.relevance.embeddings import Embedder
from moderation.signals.relevance.vector_rows import ArticleVectorsRow

PASSAGE_WORDS = 80
BACKGROUND_ARTICLES = 200  # recent other articles a comment's relevance is measured against
BACKGROUND_SECONDS = 60  # how long a worker reuses its background before reading it again
MEMORY_ITEMS = 512


@dataclass(frozen=True)
class ArticleVectors:
    """An article's passages and their unit-length embeddings (one row each)."""

    key: str
    passages: list[str]
    vectors: Any  # numpy float32, passages x dimensions
    centroid: Any  # numpy float32, unit length

    def similarity(self, comment: Any) -> tuple[float, int]:
        """Mean of the best passage's and the centroid's cosine, and the best passage."""
        sims = self.vectors @ comment
        best = int(sims.argmax())
        return float((sims[best] + self.centroid @ comment) / 2), best


@dataclass(frozen=True)
class Background:
    """Other articles' passages in one matrix, so a comment meets all of them in two matrix
    products instead of a loop over up to 200 articles."""

    passages: Any  # every article's passage rows, one article after another
    starts: Any  # the first row of each article
    centroids: Any  # articles x dimensions

    def __len__(self) -> int:
        return len(self.starts)

    def similarities(self, comment: Any) -> Any:
        """ArticleVectors.similarity of the comment to each article (as float64, the
        precision of the z-score taken over them)."""
        import numpy as np

        if not len(self.starts):
            return np.zeros(0)
        best = np.maximum.reduceat(self.passages @ comment, self.starts)
        return ((best + self.centroids @ comment) / 2).astype(np.float64)


def background_of(articles: Sequence[ArticleVectors]) -> Background:
    """The articles (each with a passage at least) stacked for Background.similarities."""
    import numpy as np

    found = [a for a in articles if len(a.vectors)]
    if not found:
        empty = np.zeros((0, 0), dtype=np.float32)
        return Background(empty, np.zeros(0, dtype=np.int64), empty)
    sizes = np.array([len(a.vectors) for a in found])
    return Background(
        np.concatenate([a.vectors for a in found]),
        np.concatenate([[0], np.cumsum(sizes)[:-1]]),
        np.stack([a.centroid for a in found]),
    )


def passages_of(title: str, section: str | None, body: str) -> list[str]:
    """The title (with the section), then the body's paragraphs in pieces of <= 80 words."""
    found = [f"{title} ({section})" if section else title]
    for paragraph in body.split("\n"):
        words = paragraph.split()
        found += [
            " ".join(words[i : i + PASSAGE_WORDS]) for i in range(0, len(words), PASSAGE_WORDS)
        ]
    return [p for p in found if p.strip()]


def article_key(title: str, section: str | None, body: str, model: str) -> str:
    """A digest naming one version of an article embedded by one model."""
    text = json.dumps([title, section, body, model], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def embed_article(embedder: Embedder, title: str, section: str | None, body: str) -> ArticleVectors:
    """Embed an article's passages."""
    import numpy as np

    passages = passages_of(title, section, body)
    vectors = embedder.encode(passages)
    centroid = vectors.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    return ArticleVectors(
        article_key(title, section, body, embedder.name),
        passages,
        vectors,
        centroid.astype(np.float32),
    )


class VectorStore(Protocol):
    """Where article vectors are kept between comments."""

    def vectors(
        self, embedder: Embedder, title: str, section: str | None, body: str
    ) -> ArticleVectors:
        """The article's vectors, computed only if not cached."""
        ...

    def background(self, embedder: Embedder, exclude: str) -> list[ArticleVectors]:
        """Other recent articles' vectors, to tell how specific a comment's relevance is."""
        ...


class MemoryStore:
    """Vectors kept in this process (for `modq eval` and tests)."""

    def __init__(self) -> None:
        self._items: Recent[str, ArticleVectors] = Recent(MEMORY_ITEMS)

    def get(self, key: str) -> ArticleVectors | None:
        """The cached vectors under `key`, if any."""
        return self._items.get(key)

    def put(self, found: ArticleVectors) -> None:
        """Cache vectors, forgetting the least recently used beyond MEMORY_ITEMS."""
        self._items.put(found.key, found)

    def vectors(
        self, embedder: Embedder, title: str, section: str | None, body: str
    ) -> ArticleVectors:
        """Cached in memory, most recently used kept."""
        key = article_key(title, section, body, embedder.name)
        found = self.get(key) or embed_article(embedder, title, section, body)
        self.put(found)
        return found

    def background(self, embedder: Embedder, exclude: str) -> list[ArticleVectors]:
        """Every other article seen."""
        return [v for k, v in self._items.items() if k != exclude][-BACKGROUND_ARTICLES:]


class DatabaseStore:
    """Vectors shared by every worker through the database, with a memory cache in front."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.sessions, self.clock = sessions, clock
        self._memory = MemoryStore()
        self._background: dict[str, Reloaded[list[StoredRow], list[ArticleVectors]]] = {}

    def vectors(
        self, embedder: Embedder, title: str, section: str | None, body: str
    ) -> ArticleVectors:
        """From memory, else the database, else computed and stored."""
        key = article_key(title, section, body, embedder.name)
        cached = self._memory.get(key)
        if cached is not None:
            return cached
        with self.sessions() as session:
            row = session.get(ArticleVectorsRow, key)
            found = _from_row(row) if row else embed_article(embedder, title, section, body)
            if row is None:
                _store(session, found, embedder.name)
        self._memory.put(found)
        return found

    def background(self, embedder: Embedder, exclude: str) -> list[ArticleVectors]:
        """The most recent stored articles of this model, re-read at most every minute."""
        if embedder.name not in self._background:

            def read(session: Session) -> list[StoredRow]:
                return _recent_rows(session, embedder.name)

            self._background[embedder.name] = Reloaded(
                self.sessions, read, _from_rows, BACKGROUND_SECONDS, self.clock
            )
        recent = self._background[embedder.name]()
        return [v for v in recent if v.key != exclude][:BACKGROUND_ARTICLES]


# What is read of a stored article: its key, passages (JSON) and vectors (bytes). Plain values,
# so a new read can be compared with the last one and decoded only when it changed.
StoredRow = tuple[str, str, bytes]


def _recent_rows(session: Session, model: str) -> list[StoredRow]:
    rows = session.execute(
        select(ArticleVectorsRow.key, ArticleVectorsRow.passages, ArticleVectorsRow.vectors)
        .where(ArticleVectorsRow.model == model)
        .order_by(ArticleVectorsRow.created_at.desc())
        .limit(BACKGROUND_ARTICLES + 1)
    )
    return [(key, passages, vectors) for key, passages, vectors in rows]


def _from_rows(rows: list[StoredRow]) -> list[ArticleVectors]:
    return [_decode(*row) for row in rows]


def _from_row(row: ArticleVectorsRow) -> ArticleVectors:
    return _decode(row.key, row.passages, row.vectors)


def _decode(key: str, stored_passages: str, stored_vectors: bytes) -> ArticleVectors:
    import numpy as np

    passages = json.loads(stored_passages)
    vectors = np.frombuffer(stored_vectors, dtype=np.float32).reshape(len(passages), -1)
    centroid = vectors.mean(axis=0)
    return ArticleVectors(
        key,
        passages,
        vectors,
        (centroid / (np.linalg.norm(centroid) or 1.0)).astype(np.float32),
    )


def _store(session: Session, found: ArticleVectors, model: str) -> None:
    session.add(
        ArticleVectorsRow(
            key=found.key,
            model=model,
            passages=json.dumps(found.passages, ensure_ascii=False),
            vectors=found.vectors.astype("float32").tobytes(),
        )
    )
    try:
        session.commit()
    except IntegrityError:  # another worker stored the same version first
        session.rollback()
