"""The floor intake is measured against: a Flask app whose endpoint only validates the JSON
comment and publishes a Celery task (no key check, no limits, no database).

    gunicorn benchmarks.bare_intake:app   (settings from the MODQ_* environment)
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from moderation.comments.validation import ValidationError, parse_comment
from moderation.config import load_settings
from workers.celery_app import SCORE_QUEUE, SCORE_TASK, create_celery

settings = load_settings()
celery = create_celery(settings)
app = Flask(__name__)


@app.post("/api/v1/comments")
def post_comment() -> tuple[Response, int]:
    """Validate, publish, answer 202."""
    try:
        submission = parse_comment(request.get_json(), settings.max_comment_chars)
    except ValidationError as exc:
        return jsonify({"error": "invalid", "fields": exc.fields}), 422
    celery.send_task(SCORE_TASK, args=[submission.author_id], queue=SCORE_QUEUE)
    return jsonify({"status": "pending"}), 202
