"""The moderation domain: models, scoring, relevance, policy and services. No Flask, no Celery."""
