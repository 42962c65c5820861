"""FHIR XML out, from the plain JSON dicts the rest of the server speaks, and the element table
that both directions read.

Out: ``to_xml`` writes a FHIR JSON dict as FHIR XML (http://hl7.org/fhir/R4/xml.html): the
resource type as the root element in the FHIR namespace, primitives as ``value`` attributes with
their ``id`` and ``extension`` from the ``_name`` JSON companion, arrays as repeated elements,
``id`` of a datatype and ``url`` of an extension as attributes, the narrative ``div`` as XHTML,
and a resource held by an element (``contained``, ``Bundle.entry.resource``,
``Parameters.parameter.resource``) inside an element named after its type. Elements go in FHIR
order, which the JSON dicts do not keep: it comes from the element table derived from the pinned
R4B models (``fhir_models.element_table``), read once from ``fhir_elements.json``; an answer in
R5 (the ``/fhir/r5`` endpoint) is written, and an R5 request read, with R5's table
(``fhir_elements_r5.json``, from fhir.resources' R5 models) instead.

Reading XML is ``fhir_xml_read.parse_xml``, on the same element table.

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

FHIR_NS = "http://hl7.org/fhir"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_MEDIA_TYPES = frozenset(
    {"application/fhir+xml", "application/xml", "application/xml+fhir", "text/xml"}
)
# An element name we write must be an XML name; names from elsewhere are checked.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# What must be escaped in an attribute or text, and the characters XML 1.0 cannot carry at all
# (control characters, lone surrogates, U+FFFE/U+FFFF), which become U+FFFD.
_SPECIAL = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;"}
_ESCAPES |= {ord("\n"): "&#10;", ord("\r"): "&#13;", ord("\t"): "&#9;"}
_ESCAPES |= {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]}
_ESCAPES |= {c: "\ufffd" for c in [*range(0xD800, 0xE000), 0xFFFE, 0xFFFF]}


class ElementType:
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
def element_types(r5: bool = False) -> dict[str, ElementType]:
    # Read once per process, at the first XML request (of each FHIR version): JSON requests
    # never pay for it.
    from terminology.codec.fhir_models import ELEMENT_TABLE, ELEMENT_TABLE_R5

    table = ELEMENT_TABLE_R5 if r5 else ELEMENT_TABLE
    raw: dict[str, list[str]] = json.loads(table.read_text(encoding="utf-8"))
    return {name: ElementType(rows) for name, rows in raw.items()}


def is_resource_type(name: str, r5: bool = False) -> bool:
    found = element_types(r5).get(name)
    return found is not None and "implicitRules" in found.order


# ---------------------------------------------------------------------------------- JSON -> XML


def escape_xml(text: str) -> str:
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


def _primitive_text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return escape_xml(value)
    if isinstance(value, float):
        return repr(value)  # as orjson writes it: 2.0, 1.5, 1e+16
    return escape_xml(str(value))


def to_xml(resource: Mapping[str, Any], r5: bool = False) -> bytes:
    """The FHIR XML of a FHIR JSON resource dict (of R4, or with ``r5`` of R5: the element
    order and types come from that version's table)."""
    types = element_types(r5)
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>']
    _resource(out, resource, types, ' xmlns="http://hl7.org/fhir"')
    return "".join(out).encode("utf-8")


def _resource(
    out: list[str], resource: Mapping[str, Any], types: dict[str, ElementType], ns: str
) -> None:
    rtype = resource.get("resourceType")
    if not isinstance(rtype, str) or not _NAME.fullmatch(rtype):
        rtype = "Basic"  # never ours; keeps the document well-formed whatever arrives
    out.append(f"<{rtype}{ns}>")
    _children(out, resource, types.get(rtype), types, True)
    out.append(f"</{rtype}>")


_P, _X, _R, _C, _G = range(5)  # how an element is written: primitive, xhtml, resource, ...
_Plan = list[tuple[str, int, "ElementType | None"]]
#: Plans by (type, the object's keys, is a resource): the few shapes our answers take recur
#: on every request, so the order is worked out once per shape. Process-wide on purpose, like
#: the Accept memo in api/http.py: a plan is a pure function of the element table, never of
#: content or app. Only objects whose every key the table knows are memoised (so a client's
#: own keys never fill it), and it is bounded all the same.
_PLANS: dict[tuple[int, tuple[str, ...], bool], _Plan] = {}
_MAX_PLANS = 4096


def _plan(
    obj: Mapping[str, Any],
    typ: ElementType | None,
    types: dict[str, ElementType],
    is_resource: bool,
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


def _known(key: str, typ: ElementType) -> bool:
    return key in typ.order or key == "resourceType" or (key[:1] == "_" and key[1:] in typ.order)


def _children(
    out: list[str],
    obj: Mapping[str, Any],
    typ: ElementType | None,
    types: dict[str, ElementType],
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
    out: list[str],
    name: str,
    item: Mapping[str, Any],
    sub: ElementType | None,
    types: dict[str, ElementType],
) -> None:
    attributes = ""
    element_id = item.get("id")
    if isinstance(element_id, str):
        attributes = f' id="{escape_xml(element_id)}"'
    if sub is not None and sub is types.get("Extension"):
        url = item.get("url")
        if isinstance(url, str):
            attributes += f' url="{escape_xml(url)}"'
    out.append(f"<{name}{attributes}>")
    _children(out, item, sub, types, False)
    out.append(f"</{name}>")


def _primitive(
    out: list[str], name: str, value: Any, companion: Any, types: dict[str, ElementType]
) -> None:
    attributes = ""
    extensions: Any = None
    if isinstance(companion, dict):
        element_id = companion.get("id")
        if isinstance(element_id, str):
            attributes = f' id="{escape_xml(element_id)}"'
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
    out: list[str], name: str, value: Any, companion: Any, types: dict[str, ElementType]
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
        return f'<div xmlns="{XHTML_NS}">{escape_xml(div)}</div>'
    if root.tag == f"{{{XHTML_NS}}}div":
        return div
    if root.tag == "div" and div.startswith("<div"):
        return f'<div xmlns="{XHTML_NS}"' + div[4:]
    return f'<div xmlns="{XHTML_NS}">{escape_xml(div)}</div>'
