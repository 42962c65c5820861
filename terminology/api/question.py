"""One terminology operation request, as the functions that answer it read it.

The answer functions (``lookup_answer``, ``validate_code_answer``, ...) take a ``Question``
instead of reading Flask's request proxies, so the Flask views and the direct lane
(``api/lane.py``) compute every answer with the same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terminology.api.memos import AppMemos
from terminology.codec import inputs
from terminology.codec.parameters import ParamBag
from terminology.operations.context import Services
from terminology.operations.validate_code_model import ValidateCodeRequest


@dataclass(frozen=True, slots=True)
class Question:
    #: The request's WSGI environ: its headers, and what the edge noted (format, FHIR version).
    environ: dict[str, Any]
    params: ParamBag
    #: The services of the content snapshot the request is answered from.
    services: Services
    memos: AppMemos

    def validate_code_request(
        self, *, value_set_mode: bool, instance: Mapping[str, Any] | None
    ) -> ValidateCodeRequest:
        """The ``$validate-code`` request (of a ValueSet or a CodeSystem) these parameters ask."""
        return inputs.validate_code_request(
            self.params,
            value_set_mode=value_set_mode,
            instance=instance,
            accept_language=self.environ.get("HTTP_ACCEPT_LANGUAGE"),
        )
