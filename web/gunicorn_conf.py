"""gunicorn's settings (`gunicorn -c python:web.gunicorn_conf web.wsgi:app`, as `modq up`, the
Dockerfile and docker-compose.yml run it): threaded workers, and its own lines, errors and
access log in modq's log format (MODQ_LOG_FORMAT), credentials masked."""

from __future__ import annotations

from typing import Any

from gunicorn import glogging

from moderation.config import load_settings
from moderation.logs import make_formatter


class ModqLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger with modq's formatter on every handler it sets up."""

    def setup(self, cfg: Any) -> None:
        """Set up as gunicorn does, then format as modq does."""
        super().setup(cfg)
        settings = load_settings()
        formatter = make_formatter(settings.log_format, settings.secret_values())
        for logger in (self.error_log, self.access_log):
            for handler in logger.handlers:
                handler.setFormatter(formatter)


logger_class = ModqLogger
# Threads, so that a request waiting for PostgreSQL to flush its commit to disk (milliseconds on
# every comment: synchronous_commit stays on) or for Redis leaves the process to the others, and
# PostgreSQL flushes the commits of waiting requests together. Measured in README, "Intake speed".
worker_class = "gthread"
threads = 4
