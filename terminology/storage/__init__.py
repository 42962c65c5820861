"""Reads the published content once at start-up into read-only indexes."""
