"""Readers of a site's articles: who they are (tokens), what they report, what they are told."""
