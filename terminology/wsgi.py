"""The WSGI entry point for any WSGI server: ``terminology.wsgi:app``."""

import gc

from terminology.app import create_app

app = create_app()

# Everything built so far (indexes, content, the app) lives as long as the process: move it out
# of the collector's way so collections during requests only scan per-request garbage.
gc.collect()
gc.freeze()
