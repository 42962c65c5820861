"""A WSGI app whose ``/spin`` request computes for minutes inside C code, served by the same
``serve_wsgi`` as the terminology server: it shows what the serving layer does with a worker
that cannot notice a signal until its request ends.

``python -m tests.spinning_wsgi --port N`` serves it with one worker.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/spin":
        print("spinning", file=sys.stderr, flush=True)
        # Catastrophic backtracking: 2**40-ish steps in the C regex engine, which holds the GIL
        # and runs no Python signal handler until it returns.
        re.match(r"((a+)+)+$", "a" * 40 + "!")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def main() -> None:
    from terminology.serving import serve_wsgi

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    serve_wsgi(
        "tests.spinning_wsgi:app", host="127.0.0.1", port=args.port, workers=1, access_log=False
    )


if __name__ == "__main__":
    main()
