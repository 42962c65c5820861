"""FHIR XML in: ``parse_xml`` reads a FHIR XML body into the dict FHIR JSON gives for it
(arrays where the element repeats, numbers and booleans where the primitive is one, from the
element table of ``fhir_xml``), so an XML request goes down the JSON path from there.

The parser is defusedxml's over expat: a DTD, any entity declaration and any external reference
are refused before anything is expanded or fetched, and nesting is bounded. An element the table
does not know is read as a string, an object or (when it repeats) a list, for the structure
check of ``$validate`` to report as it does for JSON.
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from terminology.codec.fhir_xml import (
    FHIR_NS,
    XHTML_NS,
    ElementType,
    element_types,
    escape_xml,
)
from terminology.errors import TerminologyError
from terminology.messages import msg

#: Deepest element nesting read. FHIR resources nest a dozen levels or so; Parameters ``part``
#: nesting is bounded again (more tightly) when the parameters are read.
MAX_DEPTH = 100

_INTEGERS = frozenset({"integer", "positiveInt", "unsignedInt"})
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


_RESOURCE, _COMPLEX, _PRIMITIVE, _WRAPPER, _GENERIC = range(5)
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_PRIMITIVE_CHILDREN = ElementType(["extension:Extension*"])


class _Frame:
    """An element being read: its JSON object (or a primitive's ``_name`` companion)."""

    __slots__ = ("kind", "name", "type", "data", "value", "type_name")

    def __init__(
        self, kind: int, name: str, typ: ElementType | None, type_name: str = "", value: Any = None
    ) -> None:
        self.kind = kind
        self.name = name
        self.type = typ
        self.type_name = type_name
        self.data: dict[str, Any] = {}
        self.value = value


def _not_fhir(reason: str) -> TerminologyError:
    return TerminologyError(msg("XML_NOT_FHIR", reason=reason), code="structure")


class _Builder:
    """The parser's target: builds the FHIR JSON dict as the elements stream past."""

    def __init__(self, types: dict[str, ElementType], release: str) -> None:
        self.types = types
        self.release = release
        self.stack: list[_Frame] = []
        self.result: dict[str, Any] | None = None
        self.xhtml: list[str] | None = None
        self.xhtml_depth = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        stack = self.stack
        if len(stack) + self.xhtml_depth >= MAX_DEPTH:
            raise TerminologyError(msg("XML_TOO_DEEP", limit=MAX_DEPTH), code="too-costly")
        if self.xhtml is not None:
            self._xhtml_start(tag, attrib)
            return
        ns, _, local = tag[1:].rpartition("}") if tag[:1] == "{" else ("", "", tag)
        parent = stack[-1] if stack else None
        if parent is None or parent.kind == _WRAPPER:
            if ns != FHIR_NS:
                raise _not_fhir(f"<{local}> is not in the FHIR namespace ({FHIR_NS})")
            found = self.types.get(local)
            if found is None or "implicitRules" not in found.order:
                raise _not_fhir(f"<{local}> is not a FHIR {self.release} resource type")
            if parent is not None and parent.value is not None:
                raise _not_fhir(f"<{parent.name}> holds more than one resource")
            frame = _Frame(_RESOURCE, local, self.types[local])
            frame.data["resourceType"] = local
            stack.append(frame)
            return
        element_type = parent.type.types.get(local) if parent.type is not None else None
        if element_type == "xhtml" and ns == XHTML_NS and local == "div":
            self.xhtml = []
            self._xhtml_start(tag, attrib)
            return
        if ns != FHIR_NS:
            raise _not_fhir(f"<{local}> in <{parent.name}> is not in the FHIR namespace")
        if element_type is None:
            frame = _Frame(_GENERIC, local, None, value=attrib.get("value"))
        elif element_type == "xhtml":
            raise _not_fhir(f"the narrative <div> must be XHTML (namespace {XHTML_NS})")
        elif element_type[0].islower():
            frame = _Frame(_PRIMITIVE, local, _PRIMITIVE_CHILDREN, element_type)
            frame.value = attrib.get("value")
        elif element_type == "Resource":
            frame = _Frame(_WRAPPER, local, None)
        else:
            frame = _Frame(_COMPLEX, local, self.types.get(element_type), element_type)
            if element_type == "Extension" and "url" in attrib:
                frame.data["url"] = attrib["url"]
        if "id" in attrib and frame.kind != _WRAPPER:
            frame.data["id"] = attrib["id"]
        stack.append(frame)

    def end(self, tag: str) -> None:
        if self.xhtml is not None:
            self._xhtml_end(tag)
            return
        frame = self.stack.pop()
        kind = frame.kind
        value: Any
        companion: dict[str, Any] | None = None
        if kind == _PRIMITIVE:
            value = _typed(frame.value, frame.type_name)
            companion = frame.data or None
        elif kind == _WRAPPER:
            value = frame.value
        elif kind == _GENERIC:
            value = frame.data if frame.data or frame.value is None else frame.value
            if frame.data and frame.value is not None:
                frame.data["value"] = frame.value
        else:
            value = frame.data
        if not self.stack:
            self.result = value
            return
        self._attach(self.stack[-1], frame.name, value, companion)

    def data(self, text: str) -> None:
        if self.xhtml is not None:
            self.xhtml.append(_escape_text(text))
        elif text.strip():
            where = self.stack[-1].name if self.stack else "the document"
            raise _not_fhir(f"<{where}> holds text; FHIR XML puts values in value attributes")

    def close(self) -> dict[str, Any] | None:
        return self.result

    def _attach(self, parent: _Frame, name: str, value: Any, companion: Any) -> None:
        if parent.kind == _WRAPPER:
            parent.value = value
            return
        if value is None and companion is None:
            return
        data = parent.data
        repeats = parent.type is not None and name in parent.type.repeats
        if not repeats and (name in data or "_" + name in data):
            repeats = True  # repeated where FHIR allows one: kept as a list for the checks
            for key in (name, "_" + name):
                if key in data and not isinstance(data[key], list):
                    data[key] = [data[key]]
        if not repeats:
            if value is not None:
                data[name] = value
            if companion is not None:
                data["_" + name] = companion
            return
        values = data.setdefault(name, [])
        companions = data.get("_" + name)
        if companion is not None and companions is None:
            companions = data["_" + name] = [None] * len(values)
        if companions is not None:
            companions.append(companion)
        values.append(value)

    def _xhtml_start(self, tag: str, attrib: dict[str, str]) -> None:
        assert self.xhtml is not None
        local = tag[1:].rpartition("}")[2] if tag[:1] == "{" else tag
        parts = [f"<{local}"]
        if self.xhtml_depth == 0:
            parts.append(f' xmlns="{XHTML_NS}"')
        for key, val in attrib.items():
            if key.startswith(f"{{{_XML_NS}}}"):
                key = "xml:" + key.rpartition("}")[2]
            elif key[:1] == "{":
                key = key.rpartition("}")[2]
            parts.append(f' {key}="{escape_xml(val)}"')
        parts.append(">")
        self.xhtml.append("".join(parts))
        self.xhtml_depth += 1

    def _xhtml_end(self, tag: str) -> None:
        assert self.xhtml is not None
        local = tag[1:].rpartition("}")[2] if tag[:1] == "{" else tag
        self.xhtml.append(f"</{local}>")
        self.xhtml_depth -= 1
        if self.xhtml_depth == 0:
            div = "".join(self.xhtml)
            self.xhtml = None
            self._attach(self.stack[-1], "div", div, None)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _typed(value: str | None, type_name: str) -> Any:
    if value is None:
        return None
    if type_name == "boolean":
        return True if value == "true" else False if value == "false" else value
    if type_name in _INTEGERS:
        return int(value) if _INTEGER.fullmatch(value) and len(value) < 20 else value
    if type_name == "decimal" and _DECIMAL.fullmatch(value) and len(value) < 40:
        if "." in value or "e" in value or "E" in value:
            return float(value)
        return int(value)
    return value


def parse_xml(body: bytes, r5: bool = False) -> dict[str, Any]:
    """The FHIR JSON dict of a FHIR XML resource (of R4, or with ``r5`` of R5); a 400
    OperationOutcome for anything else."""
    builder = _Builder(element_types(r5), "R5" if r5 else "R4")
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(body)
        parser.close()
    except DefusedXmlException as exc:
        what = {
            "DTDForbidden": "a document type declaration (DTD)",
            "EntitiesForbidden": "an entity declaration",
            "ExternalReferenceForbidden": "an external reference",
        }.get(type(exc).__name__, "a forbidden construct")
        raise TerminologyError(msg("XML_FORBIDDEN", what=what), code="security") from None
    except ParseError as exc:
        raise TerminologyError(
            msg("MALFORMED_XML", reason=str(exc)[:200]), code="structure"
        ) from None
    if builder.result is None:
        raise _not_fhir("the document holds no resource")
    return builder.result
