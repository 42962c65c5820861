"""``TerminologyClient``: the server's operations as Python calls.

Keyword arguments carry the FHIR parameter names (``system``, ``code``, ``version``,
``coding``, ``codeableConcept``, ``display``, ``date``, ``valueSet``, ...), so the FHIR
specification of each operation documents its call; ``None`` means "not sent". Answers come
back as the dataclasses of ``results``; a 4xx/5xx or no answer raises
``TerminologyClientError``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date as Date
from typing import Any, TypeVar

import requests

from terminology.client import reading
from terminology.client.errors import TerminologyClientError
from terminology.client.parameters import needs_post, parameters_resource, present, query
from terminology.client.results import (
    Capabilities,
    CodeableConcept,
    Coding,
    ExpansionContains,
    ExpansionPage,
    LookupResult,
    SubsumesResult,
    TranslateResult,
    ValidateCodeResult,
    ValidationOutcome,
)
from terminology.client.transport import Transport

T = TypeVar("T")
CodingArg = Coding | dict[str, Any] | None
ConceptArg = CodeableConcept | dict[str, Any] | None
DateArg = str | Date | None

#: The resource types ``$validate`` checks.
VALIDATED_TYPES = ("ServiceRequest", "Claim", "Bundle")


class TerminologyClient:
    """A client of one FHIR terminology server (``base_url`` ends with the FHIR base,
    ``http://127.0.0.1:8080/fhir``). Holds a pooled session: reuse one client, and ``close``
    it (or use it as a context manager) when done."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        extra: dict[str, Any] = {} if sleep is None else {"sleep": sleep}
        self.transport = Transport(
            base_url,
            token=token,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
            max_wait=max_wait,
            session=session,
            headers=headers,
            **extra,
        )

    def __enter__(self) -> TerminologyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    # --- terminology operations (all safe to retry, GET or POST) ---

    def _operation(
        self, path: str, arguments: dict[str, Any], read: Callable[[Any], T]
    ) -> tuple[T, requests.Response]:
        sent = present(arguments)
        if needs_post(sent):
            response = self.transport.call(
                "POST", path, body=parameters_resource(sent), idempotent=True
            )
        else:
            response = self.transport.call("GET", path, params=query(sent), idempotent=True)
        try:
            return read(response.json()), response
        except ValueError as exc:
            raise TerminologyClientError(
                f"{path}: unexpected answer from {response.url}: {exc}",
                status=response.status_code,
            ) from exc

    def lookup(
        self,
        system: str | None = None,
        code: str | None = None,
        *,
        version: str | None = None,
        coding: CodingArg = None,
        date: DateArg = None,
        displayLanguage: str | None = None,
        property: list[str] | None = None,
    ) -> LookupResult:
        args = dict(
            system=system,
            code=code,
            version=version,
            coding=coding,
            date=date,
            displayLanguage=displayLanguage,
            property=property,
        )
        return self._operation("CodeSystem/$lookup", args, reading.lookup_result)[0]

    def validate_code(
        self,
        url: str | None = None,
        code: str | None = None,
        *,
        system: str | None = None,
        version: str | None = None,
        display: str | None = None,
        coding: CodingArg = None,
        codeableConcept: ConceptArg = None,
        date: DateArg = None,
        valueSet: dict[str, Any] | None = None,
        valueSetVersion: str | None = None,
        systemVersion: str | None = None,
        displayLanguage: str | None = None,
        abstract: bool | None = None,
    ) -> ValidateCodeResult:
        """Against a value set when ``url`` (a ValueSet's canonical) or an inline ``valueSet``
        is given, as FHIR's ValueSet/$validate-code; otherwise against the code system
        ``system`` (CodeSystem/$validate-code, where FHIR calls it ``url``)."""
        common = dict(
            code=code,
            version=version,
            display=display,
            coding=coding,
            codeableConcept=codeableConcept,
            date=date,
            displayLanguage=displayLanguage,
            abstract=abstract,
        )
        if url is not None or valueSet is not None:
            args = dict(
                url=url,
                valueSet=valueSet,
                valueSetVersion=valueSetVersion,
                system=system,
                systemVersion=systemVersion,
                **common,
            )
            path = "ValueSet/$validate-code"
        else:
            args = dict(url=system, **common)
            path = "CodeSystem/$validate-code"
        return self._operation(path, args, reading.validate_code_result)[0]

    def expand_page(
        self,
        url: str | None = None,
        *,
        valueSet: dict[str, Any] | None = None,
        valueSetVersion: str | None = None,
        filter: str | None = None,
        date: DateArg = None,
        offset: int | None = None,
        count: int | None = None,
        activeOnly: bool | None = None,
        includeDesignations: bool | None = None,
        displayLanguage: str | None = None,
    ) -> ExpansionPage:
        """One page of ``$expand`` (``offset``, ``count`` as FHIR pages)."""
        args = dict(
            url=url,
            valueSet=valueSet,
            valueSetVersion=valueSetVersion,
            filter=filter,
            date=date,
            offset=offset,
            count=count,
            activeOnly=activeOnly,
            includeDesignations=includeDesignations,
            displayLanguage=displayLanguage,
        )
        return self._operation("ValueSet/$expand", args, reading.expansion_page)[0]

    def expand(
        self, url: str | None = None, *, page_size: int = 100, limit: int | None = None, **kw: Any
    ) -> Iterator[ExpansionContains]:
        """Every code of the expansion, fetched ``page_size`` at a time as the iteration goes
        (so a large value set is never held whole); ``limit`` stops after that many. Takes
        ``expand_page``'s keyword arguments but ``offset`` and ``count``."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        offset = 0
        yielded = 0
        while True:
            page = self.expand_page(url, offset=offset, count=page_size, **kw)
            for item in page.contains:
                if limit is not None and yielded >= limit:
                    return
                yield item
                yielded += 1
            offset += page_size
            # A short page is the last; so is one reaching the announced total.
            if len(page.contains) < page_size or (page.total is not None and offset >= page.total):
                return

    def subsumes(
        self,
        codeA: str | None = None,
        codeB: str | None = None,
        *,
        system: str | None = None,
        version: str | None = None,
        codingA: CodingArg = None,
        codingB: CodingArg = None,
        date: DateArg = None,
    ) -> SubsumesResult:
        args = dict(
            codeA=codeA,
            codeB=codeB,
            system=system,
            version=version,
            codingA=codingA,
            codingB=codingB,
            date=date,
        )
        return self._operation("CodeSystem/$subsumes", args, reading.subsumes_result)[0]

    def translate(
        self,
        url: str | None = None,
        *,
        code: str | None = None,
        system: str | None = None,
        version: str | None = None,
        source: str | None = None,
        coding: CodingArg = None,
        codeableConcept: ConceptArg = None,
        target: str | None = None,
        targetsystem: str | None = None,
        reverse: bool | None = None,
        date: DateArg = None,
        conceptMap: dict[str, Any] | None = None,
    ) -> TranslateResult:
        args = dict(
            url=url,
            code=code,
            system=system,
            version=version,
            source=source,
            coding=coding,
            codeableConcept=codeableConcept,
            target=target,
            targetsystem=targetsystem,
            reverse=reverse,
            date=date,
            conceptMap=conceptMap,
        )
        return self._operation("ConceptMap/$translate", args, reading.translate_result)[0]

    def batch_validate_code(
        self,
        validations: list[dict[str, Any]],
        *,
        url: str | None = None,
        valueSet: dict[str, Any] | None = None,
        date: DateArg = None,
    ) -> list[ValidateCodeResult | ValidationOutcome]:
        """``$batch-validate-code``: each validation a dict of ``validate_code``'s keyword
        arguments; ``url``, ``valueSet`` and ``date`` are shared by all. Against value sets
        when any names one (ValueSet/$batch-validate-code), else against code systems (each
        validation's ``system``). Answers come in order: a ``ValidateCodeResult``, or the
        ``ValidationOutcome`` of a validation the server could not evaluate."""
        value_sets = url is not None or valueSet is not None
        value_sets = value_sets or any("url" in v or "valueSet" in v for v in validations)
        entries = []
        for validation in validations:
            own = present(validation)
            if not value_sets and "system" in own:
                own["url"] = own.pop("system")
            entries.append({"name": "validation", "resource": parameters_resource(own)})
        shared = parameters_resource(present(dict(url=url, valueSet=valueSet, date=date)))
        shared["parameter"] += entries
        kind = "ValueSet" if value_sets else "CodeSystem"
        path = f"{kind}/$batch-validate-code"
        reply = self.transport.json("POST", path, body=shared, idempotent=True)
        return _read(reply, reading.batch_results, path)

    def batch(self, bundle: dict[str, Any]) -> dict[str, Any]:
        """A ``batch`` Bundle of operation requests (POST to the base); the batch-response
        Bundle as the server sent it. Retried: a batch holds operations and reads only."""
        reply = self.transport.json("POST", "", body=bundle, idempotent=True)
        return _read(reply, lambda r: _of_type(r, "Bundle"), "batch")

    def validate_resource(self, resource: dict[str, Any]) -> ValidationOutcome:
        """``$validate`` of a ServiceRequest, Claim or Bundle of them (FHIR JSON)."""
        kind = resource.get("resourceType")
        if kind not in VALIDATED_TYPES:
            raise ValueError(f"$validate takes a {', '.join(VALIDATED_TYPES)}, not {kind!r}")
        reply = self.transport.json("POST", f"{kind}/$validate", body=resource, idempotent=True)
        return _read(reply, reading.validation_outcome, f"{kind}/$validate")

    def capabilities(self, *, terminology: bool = False) -> Capabilities:
        """The CapabilityStatement, or with ``terminology`` the TerminologyCapabilities
        (every code system and its loaded versions)."""
        params = {"mode": "terminology"} if terminology else None
        reply = self.transport.json("GET", "metadata", params=params, idempotent=True)
        return _read(reply, reading.capabilities, "metadata")

    # --- reads and writes of CodeSystem, ValueSet, ConceptMap ---

    def read(self, resource_type: str, resource_id: str) -> dict[str, Any]:
        reply = self.transport.json("GET", f"{resource_type}/{resource_id}", idempotent=True)
        return _read(reply, lambda r: _of_type(r, resource_type), resource_type)

    def search(self, resource_type: str, **params: str) -> list[dict[str, Any]]:
        """The resources of one page of a search (``url=``, ``version=``, ``name=``, ...)."""
        reply = self.transport.json("GET", resource_type, params=params, idempotent=True)
        bundle = _read(reply, lambda r: _of_type(r, "Bundle"), resource_type)
        return [e["resource"] for e in bundle.get("entry", []) if isinstance(e, dict)]

    def create(self, resource: dict[str, Any]) -> dict[str, Any]:
        """POST the resource (needs a write token); never retried."""
        kind = str(resource.get("resourceType"))
        reply = self.transport.json("POST", kind, body=resource, idempotent=False)
        return _read(reply, lambda r: _of_type(r, kind), kind)

    def update(self, resource: dict[str, Any]) -> dict[str, Any]:
        """PUT the resource at its id (needs a write token); never retried."""
        kind = str(resource.get("resourceType"))
        path = f"{kind}/{resource.get('id')}"
        reply = self.transport.json("PUT", path, body=resource, idempotent=False)
        return _read(reply, lambda r: _of_type(r, kind), kind)

    def delete(self, resource_type: str, resource_id: str) -> None:
        """DELETE (needs a write token); never retried, although the server's 204 for an
        absent id would make a retry harmless: the caller decides."""
        self.transport.call("DELETE", f"{resource_type}/{resource_id}", idempotent=False)


def _of_type(resource: Any, resource_type: str) -> dict[str, Any]:
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise ValueError(f"expected a {resource_type}")
    return resource


def _read(reply: Any, read: Callable[[Any], T], what: str) -> T:
    try:
        return read(reply)
    except ValueError as exc:
        raise TerminologyClientError(f"{what}: unexpected answer: {exc}") from exc
