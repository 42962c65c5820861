"""FHIR XML in and out, to and from the plain JSON dicts the rest of the server speaks.

Out: ``to_xml`` writes a FHIR JSON dict as FHIR XML (http://hl7.org/fhir/R4/xml.html): the
resource type as the root element in the FHIR namespace, primitives as ``value`` attributes with
their ``id`` and ``extension`` from the ``_name`` JSON companion, arrays as repeated elements,
``id`` of a datatype and ``url`` of an extension as attributes, the narrative ``div`` as XHTML,
and a resource held by an element (``contained``, ``Bundle.entry.resource``,
``Parameters.parameter.resource``) inside an element named after its type. Elements go in FHIR
order, which the JSON dicts do not keep: it comes from the element table derived from the pinned
R4B models (``fhir_models.element_table``), read once from ``fhir_elements.json``.

In: ``parse_xml`` reads a FHIR XML body into the dict FHIR JSON gives for it (arrays where the
element repeats, numbers and booleans where the primitive is one, from the same table), so an
XML request goes down the JSON path from there. The parser is defusedxml's over expat: a DTD,
any entity declaration and any external reference are refused before anything is expanded or
fetched, and nesting is bounded.

An element the table does not know is kept, not dropped: written out generically, and read in
as a string, an object or (when it repeats) a list, for the structure check of ``$validate`` to
report as it does for JSON.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from terminology.errors import TerminologyError
from terminology.messages import msg

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_MEDIA_TYPES = frozenset(
    {"application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml"}
)
#: Deepest element nesting read. FHIR resources nest a dozen levels or so; Parameters ``part``
#: nesting is bounded again (more tightly) when the parameters are read.
MAX_DEPTH = 100

_INTEGERS = frozenset({"integer", "positiveInt", "unsignedInt"})
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
# An element name we write must be an XML name; names from elsewhere are checked.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# What must be escaped in an attribute or text, and the characters XML 1.0 cannot carry at all
# (control characters, lone surrogates, U+FFFE/U+FFFF), which become U+FFFD.
_SPECIAL = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;"}
_ESCAPES |= {ord("\n"): "&#10;", ord("\r"): "&#13;", ord("\t"): "&#9;"}
_ESCAPES |= {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]}
_ESCAPES |= {c: "\ufffd" for c in [*range(0xD800, 0xE000), 0xFFFE, 0xFFFF]}


class _Type:
    """One type of the element table: each element's place, type and whether it repeats."""

    __slots__ = ("order", "types", "repeats")

    def __init__(self, rows: list[str]) -> None:
        self.order: dict[str, int] = {}
        self.types: dict[str, str] = {}
        self.repeats: set[str] = set()
        for index, row in enumerate(rows):
            name, _, type_name = row.partition(":")
            if type_name.endswith("*"):
                type_name = type_name[:-1]
                self.repeats.add(name)
            self.order[name] = index
            self.types[name] = type_name


@functools.cache
def _types() -> dict[str, _Type]:
    # Read once per process, at the first XML request: JSON requests never pay for it.
    from terminology.codec.fhir_models import ELEMENT_TABLE

    raw: dict[str, list[str]] = json.loads(ELEMENT_TABLE.read_text(encoding="utf-8"))
    return {name: _Type(rows) for name, rows in raw.items()}


def is_resource_type(name: str) -> bool:
    found = _types().get(name)
    return found is not None and "implicitRules" in found.order


# ---------------------------------------------------------------------------------- JSON -> XML


def _escape(text: str) -> str:
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def _primitive_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, float):
        return repr(value)  # as orjson writes it: 2.0, 1.5, 1e+16
    return _escape(str(value))


def to_xml(resource: Mapping[str, Any]) -> bytes:
    """The FHIR XML of a FHIR JSON resource dict."""
    types = _types()
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>']
    _resource(out, resource, types, ' xmlns="http://hl7.org/fhir"')
    return "".join(out).encode("utf-8")


def _resource(
    out: list[str], resource: Mapping[str, Any], types: dict[str, _Type], ns: str
) -> None:
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not _NAME.fullmatch(rtype):
        rtype = "Basic"  # never ours; keeps the document well-formed whatever arrives
    out.append(f"<{rtype}{ns}>")
    _children(out, resource, types.get(rtype), types, True)
    out.append(f"</{rtype}>")


_P, _X, _R, _C, _G = range(5)  # how an element is written: primitive, xhtml, resource, ...
_Plan = list[tuple[str, int, "_Type | None"]]
#: Plans by (type, the object's keys, is a resource): the few shapes our answers take recur
#: on every request, so the order is worked out once per shape. Process-wide on purpose, like
#: the Accept memo in api/http.py: a plan is a pure function of the element table, never of
#: content or app. Only objects whose every key the table knows are memoised (so a client's
#: own keys never fill it), and it is bounded all the same.
_PLANS: dict[tuple[int, tuple[str, ...], bool], _Plan] = {}
_MAX_PLANS = 4096


def _plan(
    obj: Mapping[str, Any], typ: _Type | None, types: dict[str, _Type], is_resource: bool
) -> _Plan:
    names: list[str] = []
    for key in obj:
        if key[:1] == "_":
            key = key[1:]
            if key in obj:
                continue
        elif key == "resourceType":
            continue
        if not is_resource and (key == "id" or (key == "url" and typ is types.get("Extension"))):
            continue  # the datatype's id and an extension's url are attributes
        if _NAME.fullmatch(key):
            names.append(key)
    plan: _Plan = []
    if typ is None:
        return [(name, _G, None) for name in names]
    order = typ.order
    names.sort(key=lambda n: order.get(n, 10_000))
    for name in names:
        element_type = typ.types.get(name)
        if element_type is None:
            plan.append((name, _G, None))
        elif element_type == "xhtml":
            plan.append((name, _X, None))
        elif element_type[0].islower():
            plan.append((name, _P, None))
        elif element_type == "Resource":
            plan.append((name, _R, None))
        else:
            plan.append((name, _C, types.get(element_type)))
    return plan


def _known(key: str, typ: _Type) -> bool:
    return key in typ.order or key == "resourceType" or (key[:1] == "_" and key[1:] in typ.order)


def _children(
    out: list[str],
    obj: Mapping[str, Any],
    typ: _Type | None,
    types: dict[str, _Type],
    is_resource: bool,
) -> None:
    key = (id(typ), tuple(obj), is_resource)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan(obj, typ, types, is_resource)
        if typ is not None and all(_known(k, typ) for k in obj):
            if len(_PLANS) >= _MAX_PLANS:
                _PLANS.clear()
            _PLANS[key] = plan
    for name, how, sub in plan:
        value = obj.get(name)
        if how == _C:
            if type(value) is list:
                for item in value:
                    if isinstance(item, dict):
                        _complex(out, name, item, sub, types)
                    elif item is not None:
                        _generic(out, name, item, None, types)
            elif isinstance(value, dict):
                _complex(out, name, value, sub, types)
            elif value is not None:
                _generic(out, name, value, None, types)
        elif how == _P:
            companion = obj.get("_" + name)
            if type(value) is list or type(companion) is list:
                values = value if type(value) is list else []
                companions = companion if type(companion) is list else []
                for i in range(max(len(values), len(companions))):
                    item = values[i] if i < len(values) else None
                    extra = companions[i] if i < len(companions) else None
                    _primitive(out, name, item, extra, types)
            else:
                _primitive(out, name, value, companion, types)
        elif how == _R:
            for item in value if type(value) is list else (value,):
                if isinstance(item, dict):
                    out.append(f"<{name}>")
                    _resource(out, item, types, "")
                    out.append(f"</{name}>")
        elif how == _X:
            if isinstance(value, str):
                out.append(_xhtml(value))
        else:
            _generic(out, name, value, obj.get("_" + name), types)


def _complex(
    out: list[str], name: str, item: Mapping[str, Any], sub: _Type | None, types: dict[str, _Type]
) -> None:
    attributes = ""
    element_id = item.get("id")
    if isinstance(element_id, str):
        attributes = f' id="{_escape(element_id)}"'
    if sub is not None and sub is types.get("Extension"):
        url = item.get("url")
        if isinstance(url, str):
            attributes += f' url="{_escape(url)}"'
    out.append(f"<{name}{attributes}>")
    _children(out, item, sub, types, False)
    out.append(f"</{name}>")


def _primitive(
    out: list[str], name: str, value: Any, companion: Any, types: dict[str, _Type]
) -> None:
    attributes = ""
    extensions: Any = None
    if isinstance(companion, dict):
        element_id = companion.get("id")
        if isinstance(element_id, str):
            attributes = f' id="{_escape(element_id)}"'
        extensions = companion.get("extension")
    if value is not None and not isinstance(value, dict | list):
        attributes += f' value="{_primitive_text(value)}"'
    elif not attributes and not extensions:
        return
    if not extensions:
        out.append(f"<{name}{attributes}/>")
        return
    out.append(f"<{name}{attributes}>")
    extension = types.get("Extension")
    for item in extensions if isinstance(extensions, list) else (extensions,):
        if isinstance(item, dict):
            _complex(out, "extension", item, extension, types)
    out.append(f"</{name}>")


def _generic(
    out: list[str], name: str, value: Any, companion: Any, types: dict[str, _Type]
) -> None:
    """An element the table does not know (not FHIR R4, or in the wrong place)."""
    if isinstance(value, list):
        for item in value:
            _generic(out, name, item, None, types)
    elif isinstance(value, dict):
        if "resourceType" in value:
            out.append(f"<{name}>")
            _resource(out, value, types, "")
            out.append(f"</{name}>")
        else:
            out.append(f"<{name}>")
            _children(out, value, None, types, False)
            out.append(f"</{name}>")
    elif value is not None or companion is not None:
        _primitive(out, name, value, companion, types)


def _xhtml(div: str) -> str:
    """The narrative's XHTML as is when it is a well-formed ``div`` (with the XHTML namespace
    added when the JSON left it out), else its text escaped inside an empty ``div``."""
    try:
        parser = DefusedXMLParser(forbid_dtd=True)
        parser.feed(div)
        root = parser.close()
    except (ParseError, DefusedXmlException, ValueError):
        return f'<div xmlns="{XHTML_NS}">{_escape(div)}</div>'
    if root.tag == f"{{{XHTML_NS}}}div":
        return div
    if root.tag == "div" and div.startswith("<div"):
        return f'<div xmlns="{XHTML_NS}"' + div[4:]
    return f'<div xmlns="{XHTML_NS}">{_escape(div)}</div>'


# ---------------------------------------------------------------------------------- XML -> JSON

_RESOURCE, _COMPLEX, _PRIMITIVE, _WRAPPER, _GENERIC = range(5)
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_PRIMITIVE_CHILDREN = _Type(["extension:Extension*"])


class _Frame:
    """An element being read: its JSON object (or a primitive's ``_name`` companion)."""

    __slots__ = ("kind", "name", "type", "data", "value", "type_name")

    def __init__(
        self, kind: int, name: str, typ: _Type | None, type_name: str = "", value: Any = None
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

    def __init__(self, types: dict[str, _Type]) -> None:
        self.types = types
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
            if not is_resource_type(local):
                raise _not_fhir(f"<{local}> is not a FHIR R4 resource type")
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
            parts.append(f' {key}="{_escape(val)}"')
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


def parse_xml(body: bytes) -> dict[str, Any]:
    """The FHIR JSON dict of a FHIR XML resource; a 400 OperationOutcome for anything else."""
    builder = _Builder(_types())
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
