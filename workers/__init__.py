"""Celery app and thin tasks: they receive ids and call the domain."""
