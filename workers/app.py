"""What `celery -A workers.app worker|beat` imports: the app, built from the environment."""

import os

# oneDNN caches a kernel per input shape, and comment lengths give it endless shapes: with the
# cache on, a scoring worker's memory grew by ~100 MB per 128 comments (benchmarks, README
# "Measurements"); off, it stays flat at the same speed. Set before torch is first used.
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "0")

from moderation.config import load_settings  # after the environment is set
from workers.celery_app import create_celery
from workers.logs import configure_worker_logging, own_celery_logging

settings = load_settings()
# Lines logged before the worker or beat starts; they set it up again with their options.
configure_worker_logging(settings.log_level, settings.log_format, settings.secret_values())
settings.var_dir.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule file there
celery = create_celery(settings)
own_celery_logging(celery, settings.log_format, settings.secret_values())
