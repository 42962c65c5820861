"""The ceiling: a bare Flask app answering every request with one fixed ~200-byte FHIR JSON body.

Served by the same WSGI server with the same worker count as the real server, it shows what
any Flask application can reach on this machine; the real server's figures are read against it.
"""

from __future__ import annotations

import argparse

from flask import Flask, Response

BODY = (
    b'{"resourceType":"Parameters","parameter":[{"name":"result","valueBoolean":true},'
    b'{"name":"code","valueCode":"71250"},{"name":"system","valueUri":"http://www.ama-assn.org/go/cpt"},'
    b'{"name":"display","valueString":"Diagnostic chest CT, no IV contrast"}]}'
)

app = Flask(__name__)


@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
@app.route("/<path:path>", methods=["GET", "POST"])
def fixed(path: str) -> Response:
    return Response(BODY, mimetype="application/fhir+json")


def main() -> None:
    from terminology.serving import serve_wsgi

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    serve_wsgi(
        "terminology.bench.ceiling:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
    )


if __name__ == "__main__":
    main()
