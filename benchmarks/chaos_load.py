"""Steady load for the chaos run: comments submitted at a fixed rate, each with its own
Idempotency-Key and retried (same key, same body) until it is accepted."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

ARTICLE_ID = "chaos-1"
ARTICLE = {
    "title": "Port workers strike over pay as ships queue outside the harbour",
    "url": "https://news.example.org/port-strike",
    "section": "Business",
    "body": "Dock workers walked out on Monday over pay and shift patterns. Shipping companies "
    "say dozens of container ships now queue outside the harbour, and retailers warn of empty "
    "shelves. The union wants a raise in line with inflation; the port authority offers less.",
}
OPENINGS = ["The dock workers", "The port authority", "The union", "Shipping companies"]
MIDDLES = ["deserve", "should offer", "cannot ignore", "will regret refusing"]
ENDINGS = ["a raise in line with inflation.", "fair shift patterns.", "a deal before winter."]
ABUSIVE = "The union boss is a stupid idiot and a pathetic fool."
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}


def write_headers(api_key: str | None) -> dict[str, str]:
    """The credentials sent with every write: the one place to change when intake's
    authentication changes."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def comment_text(n: int) -> str:
    """Comment n: on-topic sentences in many combinations, one in twenty abusive."""
    if n % 20 == 7:
        return ABUSIVE
    a, b, c = n % len(OPENINGS), (n // 4) % len(MIDDLES), (n // 16) % len(ENDINGS)
    return f"{OPENINGS[a]} {MIDDLES[b]} {ENDINGS[c]} (reader note {n})"


@dataclass
class Submission:
    """One comment's submission: when it was first tried, how it ended."""

    n: int
    first_try: float  # wall-clock time, comparable with the database's decided_at
    attempts: int = 0
    comment_id: str | None = None
    replayed: bool = False
    error: str | None = None
    text: str | None = None  # the comment's body; comment_text(n) when not given


class Client:
    """JSON over HTTP to the web app, with the write headers on every call."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url, self.headers = base_url, headers

    def call(
        self, method: str, path: str, body: Any, extra: dict[str, str] | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body, headers); connection errors raise OSError."""
        headers = {"Content-Type": "application/json", **self.headers, **(extra or {})}
        request = urllib.request.Request(
            self.base_url + path, json.dumps(body).encode(), headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, _json_or_text(exc.read()), dict(exc.headers)


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def put_article(client: Client, give_up_after: float = 120) -> None:
    """Create the article, retrying while the service is away."""
    deadline = time.monotonic() + give_up_after
    while True:
        try:
            status, body, _ = client.call("PUT", f"/api/v1/articles/{ARTICLE_ID}", ARTICLE)
            if status in (200, 201):
                return
            if status not in RETRY_STATUSES or time.monotonic() > deadline:
                raise RuntimeError(f"cannot create the article: {status} {body}")
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def submit_one(client: Client, submission: Submission, give_up_after: float) -> None:
    """POST until accepted (same key, same body), backing off while the service is away."""
    key = f"chaos-{submission.n}"
    body = {
        "article_id": ARTICLE_ID,
        "author": {"id": f"reader{submission.n}", "name": "Reader"},
        "body": submission.text or comment_text(submission.n),
    }
    deadline = submission.first_try + give_up_after
    while True:
        submission.attempts += 1
        try:
            status, answer, headers = client.call(
                "POST", "/api/v1/comments", body, {"Idempotency-Key": key}
            )
        except OSError as exc:
            status, answer, headers = 0, str(exc), {}
        if status == 202:
            submission.comment_id = answer["id"]
            submission.replayed = headers.get("Idempotent-Replayed") == "true"
            return
        if (status and status not in RETRY_STATUSES) or time.time() > deadline:
            submission.error = f"{status}: {answer}"
            return
        time.sleep(min(2.0, 0.1 * 2 ** min(submission.attempts, 5)))


def submit_all(
    client: Client, count: int, rate: float, give_up_after: float = 180
) -> tuple[list[Submission], threading.Thread]:
    """Start submitting `count` comments at `rate` per second in the background; returns the
    submissions (filled in as they go) and the thread to join."""
    submissions: list[Submission] = []

    def run() -> None:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=32) as pool:
            for n in range(count):
                time.sleep(max(0.0, started + n / rate - time.monotonic()))
                submission = Submission(n, time.time())
                submissions.append(submission)
                pool.submit(submit_one, client, submission, give_up_after)

    thread = threading.Thread(target=run, name="submitter", daemon=True)
    thread.start()
    return submissions, thread
