"""One terminology operation request, as the functions that answer it read it.

The answer functions (``lookup_answer``, ``validate_code_answer``, ...) take a ``Question``
instead of reading Flask's request proxies, so the Flask views and the direct lane
(``api/lane.py``) compute every answer with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from terminology.api.memos import AppMemos
from terminology.codec.parameters import ParamBag
from terminology.operations.context import Services


@dataclass(frozen=True, slots=True)
class Question:
    #: The request's WSGI environ: its headers, and what the edge noted (format, FHIR version).
    environ: dict[str, Any]
    params: ParamBag
    #: The services of the content snapshot the request is answered from.
    services: Services
    memos: AppMemos
