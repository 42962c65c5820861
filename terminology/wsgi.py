"""The WSGI entry point for any WSGI server: ``terminology.wsgi:app``."""

from terminology.app import create_app

app = create_app()
