"""HTTP for the client: one pooled ``requests.Session``, a timeout on every call, and retries.

A call is retried (up to ``retries`` more times) on 429, 502, 503 and 504 and on connection
errors and timeouts, waiting ``backoff * 2**attempt`` seconds (capped at ``max_wait``), or what
the server's ``Retry-After`` asks (seconds or an HTTP date, capped the same way so a server
cannot park the caller). Only calls the caller marks ``idempotent`` are retried: every
terminology operation and ``$validate`` changes nothing, so they are retried even when sent as
POST; writes (create, update, delete) are never, since a lost reply may hide a write that
happened."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from terminology.client.errors import TerminologyClientError

RETRY_STATUSES = frozenset({429, 502, 503, 504})
FHIR_JSON = "application/fhir+json"


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Transport:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_wait = max_wait
        self.session = session or requests.Session()
        self._sleep = sleep
        self.session.headers.update({"Accept": FHIR_JSON, **(headers or {})})
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        self.session.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | list[str]] | None = None,
        body: Any = None,
        idempotent: bool,
        expect_body: bool = True,
    ) -> requests.Response:
        """The reply to one call (2xx), after retries; a 4xx/5xx or no reply raises
        ``TerminologyClientError``."""
        url = f"{self.base_url}/{path.lstrip('/')}" if path else self.base_url
        attempts = 1 + (self.retries if idempotent else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    headers={"Content-Type": FHIR_JSON} if body is not None else None,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise TerminologyClientError(
                        f"{method} {url}: no answer after {attempt + 1} attempt(s): {exc}"
                    ) from exc
                self._sleep(self._wait(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._sleep(self._wait(attempt, response.headers.get("Retry-After")))
                continue
            if response.status_code >= 400:
                raise _error(method, url, response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        try:
            return response.json()
        except ValueError as exc:
            raise TerminologyClientError(
                f"{method} {response.url}: the answer is not JSON "
                f"({response.headers.get('Content-Type', 'no content type')})",
                status=response.status_code,
            ) from exc

    def _wait(self, attempt: int, retry_after: str | None) -> float:
        asked = retry_after_seconds(retry_after)
        wait = asked if asked is not None else self.backoff * 2**attempt
        return min(wait, self.max_wait)


def _error(method: str, url: str, response: requests.Response) -> TerminologyClientError:
    outcome: dict[str, Any] | None = None
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
            outcome = body
    except ValueError:
        pass
    error = TerminologyClientError(
        f"{method} {url}: HTTP {response.status_code}",
        status=response.status_code,
        outcome=outcome,
        headers=dict(response.headers),
    )
    texts = [i.text for i in error.issues if i.text]
    if texts:
        error.message = f"{error.message}: {'; '.join(texts)}"
        error.args = (error.message,)
    return error
