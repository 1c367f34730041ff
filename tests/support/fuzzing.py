"""Property-based fuzzing of the v1 API from its own OpenAPI document (schemathesis), in process
through WSGI: every answer must be documented, match its schema, and never be a 5xx.

Used by tests/web/test_openapi.py (a few hundred requests) and benchmarks/fuzz_api.py (tens of
thousands). Generated ids rarely name anything that exists, so part of the cases are aimed at
seeded articles and comments, to reach the code behind the 404s.
"""

from __future__ import annotations

import collections
import contextlib
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from moderation.kinds import Action
from tests.support import factories

OPENAPI_PATH = "/api/v1/openapi.json"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,  # what the document calls invalid must be refused with a 4xx
]
# Refusals of what the document calls invalid: schemathesis' list, plus 413 (too large).
REFUSALS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
ARTICLE = {"title": "Energy talks", "url": "https://news.example.org/a", "body": "Energy."}


@dataclass
class Seeds:
    """Existing things for cases to aim at."""

    articles: list[str]
    comments: list[str]


@dataclass
class FuzzReport:
    """How many requests were sent, their statuses, and each distinct failure once."""

    requests: int = 0
    by_status: collections.Counter[int] = field(default_factory=collections.Counter)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return sum(n for status, n in self.by_status.items() if status >= 500)


def seed(app: Flask, headers: Mapping[str, str] | None = None) -> Seeds:
    """Two articles and a published, a rejected and a pending comment, through the API."""
    client = app.test_client()
    for article_id in ("a1", "a2"):
        client.put(f"/api/v1/articles/{article_id}", json=ARTICLE, headers=dict(headers or {}))
    comments = []
    for body in ("Published one.", "Rejected one.", "Pending one."):
        payload = {"article_id": "a1", "author": {"id": "u1", "name": "R"}, "body": body}
        response = client.post("/api/v1/comments", json=payload, headers=dict(headers or {}))
        comments.append(str(response.get_json()["id"]))
    _decide(app, comments[0], Action.PUBLISH)
    _decide(app, comments[1], Action.REJECT)
    return Seeds(["a1", "a2"], comments)


def _decide(app: Flask, comment_id: str, action: Action) -> None:
    with app.extensions["modq"].session_factory() as session:
        factories.moderator_decides(session, comment_id, action)


def fuzz(
    app: Flask,
    seeds: Seeds,
    examples: int,
    headers: Mapping[str, str] | None = None,
    derandomize: bool = False,
    report: FuzzReport | None = None,
) -> FuzzReport:
    """Up to `examples` generated cases per operation and mode (positive and negative)."""
    report = report or FuzzReport()
    sent = dict(headers or {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # schemathesis' notes on the schema are not failures
        config = SchemathesisConfig.from_dict(
            {"checks": {"negative_data_rejection": {"expected-statuses": REFUSALS}}}
        )
        schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, app, config=config)
        for result in schema.get_all_operations():
            operation = result.ok()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = _aimed(operation, mode, seeds)
                _run(strategy, examples, derandomize, lambda case: _send(case, sent, report))
    return report


def _aimed(operation: Any, mode: GenerationMode, seeds: Seeds) -> st.SearchStrategy[Any]:
    """Generated cases, and as many aimed at seeded articles and comments."""
    plain = operation.as_strategy(generation_mode=mode)
    names = {p.name for p in operation.path_parameters}
    if "article_id" in names:
        aimed = [
            operation.as_strategy(generation_mode=mode, path_parameters={"article_id": a})
            for a in seeds.articles
        ]
        return st.one_of(plain, *aimed)
    if "comment_id" in names:
        aimed = [
            operation.as_strategy(generation_mode=mode, path_parameters={"comment_id": c})
            for c in seeds.comments
        ]
        return st.one_of(plain, *aimed)
    if operation.method.upper() == "POST" and mode is GenerationMode.POSITIVE:
        targets = st.sampled_from([None, *[(a, None) for a in seeds.articles]])
        replies = st.sampled_from([("a1", c) for c in seeds.comments])
        return st.tuples(plain, st.one_of(targets, replies)).map(_retarget)
    return plain


def _retarget(pair: tuple[Any, tuple[str, str | None] | None]) -> Any:
    case, target = pair
    if target is not None and isinstance(case.body, dict):
        case.body["article_id"], parent = target
        if parent is not None:
            case.body["parent_id"] = parent
    return case


def _run(
    strategy: st.SearchStrategy[Any], examples: int, derandomize: bool, send: Callable[[Any], None]
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=derandomize,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # failures are recorded, not shrunk
    )
    def run(case: Any) -> None:
        send(case)

    # Unsatisfiable: nothing in the operation can be made invalid (negative mode), so no cases.
    with contextlib.suppress(Unsatisfiable):
        run()


def _send(case: Any, headers: dict[str, str], report: FuzzReport) -> None:
    response = case.call(headers=headers)
    report.requests += 1
    report.by_status[response.status_code] += 1
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:  # record each distinct failure once, keep fuzzing
        for failure in group.exceptions:
            key = f"{case.method} {case.path}: {failure.title}"
            report.failures.setdefault(key, f"{response.status_code}: {failure.message}"[:2000])
