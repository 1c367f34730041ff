"""Webhooks: signed events about comments, POSTed to the URLs a site registers (models,
endpoints, addresses, outbox, signing, delivery)."""
