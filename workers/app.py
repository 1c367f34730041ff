"""What `celery -A workers.app worker|beat` imports: the app, built from the environment."""

from moderation.config import load_settings
from moderation.logs import configure_logging
from workers.celery_app import create_celery

settings = load_settings()
configure_logging(settings.log_level)
settings.var_dir.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule file there
celery = create_celery(settings)
