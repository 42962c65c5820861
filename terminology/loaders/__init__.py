"""Readers of vendor terminology files, and the loader that puts them in the store."""
