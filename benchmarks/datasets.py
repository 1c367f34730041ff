"""Readers for the labelled development data (read at benchmark time, never copied here).

Every benchmark takes the data folder as an argument, so it runs on a site's own data laid out
the same way.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NewsComment:
    """A published comment of a news thread, with its article and parent."""

    article_id: str
    comment_id: str
    text: str
    parent_id: str | None
    parent_text: str | None
    timestamp: int = 0  # milliseconds since the epoch, when published


@dataclass(frozen=True)
class NewsArticle:
    """A news article: title and paragraphs joined."""

    article_id: str
    title: str
    body: str


def articles(data: Path) -> dict[str, NewsArticle]:
    """The Globe and Mail articles of gm-threads, by id."""
    found = {}
    for path in sorted((data / "gm-threads" / "ArticleRawData").glob("article_*.json")):
        for article_id, raw in json.loads(path.read_text()).items():
            text = raw["article_text"]
            body = "\n\n".join(text) if isinstance(text, list) else str(text)
            found[article_id] = NewsArticle(article_id, raw["title"], body)
    return found


def news_comments(data: Path) -> list[NewsComment]:
    """Every published comment of gm-threads, replies with their parent's text."""
    found: list[NewsComment] = []
    for path in sorted((data / "gm-threads" / "CommentsRawData").glob("*_comments.json")):
        for article_id, thread in json.loads(path.read_text()).items():
            found.extend(_walk(article_id, thread["comments"], None))
    return found


def _walk(
    article_id: str, comments: list[dict[str, object]], parent: NewsComment | None
) -> Iterator[NewsComment]:
    for raw in comments:
        text = str(raw.get("commentText") or "").strip()
        here = None
        if raw.get("status") == "published" and text:
            here = NewsComment(
                article_id,
                str(raw["ID"]),
                text,
                parent.comment_id if parent else None,
                parent.text if parent else None,
                int(str(raw.get("timestamp") or 0)),
            )
            yield here
        yield from _walk(article_id, raw.get("replies") or [], here or parent)  # type: ignore[arg-type]


def davidson(data: Path) -> list[tuple[str, int]]:
    """(tweet, 1 if hate speech or offensive else 0)."""
    with (data / "davidson" / "labeled_data.csv").open(newline="") as handle:
        return [(row["tweet"], int(row["class"] in ("0", "1"))) for row in csv.DictReader(handle)]


def olid_test(data: Path) -> list[tuple[str, int]]:
    """(tweet, 1 if offensive) of the OLID level-A test set."""
    folder = data / "olid"
    with (folder / "labels-levela.csv").open(newline="") as handle:
        labels = {row[0]: int(row[1] == "OFF") for row in csv.reader(handle)}
    with (folder / "testset-levela.tsv").open(newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["tweet"], labels[row["id"]]) for row in rows if row["id"] in labels]
