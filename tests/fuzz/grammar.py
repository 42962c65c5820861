"""A grammar of the requests the server answers, as hypothesis strategies.

Every request is built from the real operations and parameter names (the ones
``terminology/codec/inputs.py`` reads), with values drawn mostly from our own content
(``valuesets/``: systems, codes, versions, value-set URLs, resource ids) and partly from a
catalogue of hostile values: huge strings, unicode and control characters, JSON of the wrong
type, malformed inline resources, deep nesting, cyclic hierarchies, catastrophic regexes,
duplicate parameters, malformed bodies and wrong media types.

The strategies only describe requests (:class:`FuzzRequest`); ``harness.py`` sends them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from terminology.codec.fhir_xml import to_xml
from terminology.uris import CPT, HCPCS, HCPCS_HTTPS, ICD10CM, LOINC, RADLEX, SNOMED

CONTENT_DIR = Path(__file__).resolve().parents[2] / "valuesets"

JSON_TYPES = ("application/fhir+json", "application/json", "application/json+fhir", "text/json")
XML_TYPES = (
    "application/fhir+xml",
    "application/xml",
    "text/xml",
    "application/fhir+xml; fhirVersion=4.0",
)
FORM = "application/x-www-form-urlencoded"


@dataclass
class FuzzRequest:
    """One HTTP request; ``op`` names the operation it aims at, for the per-operation counts."""

    op: str
    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path

    def size(self) -> int:
        return len(self.target) + len(self.body or b"") + sum(map(len, self.headers.values()))


# --------------------------------------------------------------------------------------------
# What our content holds: read from valuesets/ so the grammar follows the content.


@dataclass(frozen=True)
class Content:
    ids: dict[str, tuple[str, ...]]
    codes: dict[str, tuple[str, ...]]
    versions: dict[str, tuple[str, ...]]
    value_sets: tuple[str, ...]
    concept_maps: tuple[str, ...]
    names: tuple[str, ...]
    properties: tuple[str, ...]


def _load_content() -> Content:
    ids: dict[str, list[str]] = {"CodeSystem": [], "ValueSet": [], "ConceptMap": []}
    codes: dict[str, list[str]] = {}
    versions: dict[str, list[str]] = {}
    value_sets: list[str] = []
    concept_maps: list[str] = []
    names: set[str] = set()
    properties: set[str] = set()

    def walk(concepts: list[dict[str, Any]], into: list[str]) -> None:
        for concept in concepts:
            into.append(concept["code"])
            walk(concept.get("concept", []), into)

    for path in sorted(CONTENT_DIR.glob("*.json")):
        resource = json.loads(path.read_text())
        rtype, url = resource["resourceType"], resource["url"]
        ids[rtype].append(resource["id"])
        names.update(x for x in (resource.get("name"), resource.get("title")) if x)
        if rtype == "CodeSystem":
            found = codes.setdefault(url, [])
            walk(resource.get("concept", []), found)
            versions.setdefault(url, []).append(resource.get("version", ""))
            properties.update(p["code"] for p in resource.get("property", []))
        elif rtype == "ValueSet":
            value_sets.append(url)
        else:
            concept_maps.append(url)
    return Content(
        ids={k: tuple(v) for k, v in ids.items()},
        codes={k: tuple(dict.fromkeys(v)) for k, v in codes.items()},
        versions={k: tuple(v) for k, v in versions.items()},
        value_sets=tuple(value_sets),
        concept_maps=tuple(concept_maps),
        names=tuple(sorted(names)),
        properties=tuple(sorted(properties)),
    )


CONTENT = _load_content()
SYSTEMS = (CPT, HCPCS, ICD10CM, LOINC, SNOMED, RADLEX)
ALL_CODES = tuple(sorted({c for codes in CONTENT.codes.values() for c in codes}))
ALL_VERSIONS = tuple(sorted({v for vs in CONTENT.versions.values() for v in vs}))
FUZZ_BASE = "http://fuzz.example.org"

# --------------------------------------------------------------------------------------------
# Hostile values.

#: Regexes that backtrack exponentially on a long run of matching characters that then fails.
CATASTROPHIC_REGEXES = (
    r"((a+)+)+$",
    r"(a+)+$",
    r"(a|aa)+$",
    r"(a|a?)+$",
    r"(\d+)+x",
    r"((\d+)+)+x",
    r"(.*a){20}",
    r"(\w+\d*)+!",
    r"([A-Z0-9]+\.?)+#",
)
#: A code that makes the regexes above backtrack (used in inline code systems).
BACKTRACK_CODE = "a" * 34 + "!"

ODD_TEXT = (
    "",
    " ",
    "  71250  ",
    "\t",
    "null",
    "true",
    "0",
    "-1",
    "|",
    "||",
    "%",
    "%00",
    "%zz",
    "%ff%fe",
    "&",
    "=",
    "#",
    "*",
    "..",
    "../../etc/passwd",
    "\x00",
    "\r\n",
    "\ufeff",
    "\u2028",
    "\ud800",  # a lone surrogate: cannot be encoded as UTF-8
    "a\u0301",
    "İ",
    "ﬀ",
    "𝔉𝔋𝔌ℜ",
    "🩻",
    "71250:26",
    "71250:TC",
    "71250:",
    "71250::26",
    "71250-26",
    "G0296:26",
    "http://",
    "urn:uuid:",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "${jndi:ldap://x}",
    "{{7*7}}",
    "x" * 1001,  # just over the regex length cap
    *CATASTROPHIC_REGEXES,
)
HUGE_UNITS = ("a", "7", "é", "\x00", "%", "|", "🩻", "<", "'", "71250,", "\\", "[(")


def _huge(unit: str, kb: int) -> str:
    return unit * (kb * 1024 // len(unit.encode("utf-8", "surrogatepass")))


def huge_text() -> st.SearchStrategy[str]:
    """Strings of 1 KB to 100 KB, built by repetition so they cost hypothesis nothing."""
    return st.builds(_huge, st.sampled_from(HUGE_UNITS), st.integers(1, 100))


hostile_text = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=30),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs"]), min_size=1, max_size=12),
    huge_text(),
)

json_junk: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)


def nested_list(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


def nested_dict(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"a": value}
    return value


# Python's json refuses to write deeper than ~990 levels; deeper bodies are in MALFORMED_BODIES.
deep_junk = st.builds(nested_list, st.integers(50, 900)) | st.builds(
    nested_dict, st.integers(50, 900)
)
wrong_json = st.one_of(json_junk, json_junk, deep_junk)

# --------------------------------------------------------------------------------------------
# Real values, by kind.

DATES = (
    "2024-05-01",
    "2017-06-30",
    "2017-12-31",
    "2018-01-01",
    "2020-12-31",
    "2021-01-01",
    "2025-09-30",
    "2025-10-01",
    "2024",
    "2024-05",
    "2024-05-01T10:00:00Z",
    "2024-05-01T10:00:00+05:00",
    "2024-13-45",
    "2024-02-30",
    "0000-01-01",
    "1899-01-01",
    "9999-12-31",
    "20240501",
    "2024-5-1",
    "99999-01-01",
)
LANGUAGES = ("en", "en-US", "es", "fr-CA", "de", "*", "en;q=0.5, es", "xx-invalid", "EN", "zh-Hant")
BOOLEANS = ("true", "false", "TRUE", "1", "yes", "")
INTEGERS = ("0", "1", "2", "10", "20", "1000", "-1", "1e3", "99999999999999999999", " 5", "0x10")
PROPERTIES = (
    "*",
    "parent",
    "child",
    "inactive",
    "status",
    "display",
    "definition",
    "designation",
    "notSelectable",
    "modality,contrast",
    *CONTENT.properties,
)
FILTER_TEXT = ("chest", "CT", "ct contrast", "71", "lung cancer", "Chest", "*", "x-ray", "é")
FILTER_OPS = (
    "=",
    "is-a",
    "descendent-of",
    "is-not-a",
    "regex",
    "in",
    "not-in",
    "generalizes",
    "child-of",
    "descendent-leaf",
    "exists",
    "bogus",
)
CS_CONTENT = ("complete", "fragment", "supplement", "not-present", "example", "bogus")
SUMMARY = ("true", "false", "text", "data", "count", "bogus")
ELEMENTS = ("url,version", "id", "concept", "compose", "*", "name,title,status", "group")


def vs_urls() -> st.SearchStrategy[str]:
    real = st.sampled_from(CONTENT.value_sets)
    return st.one_of(
        real,
        real,
        st.builds(lambda u, v: f"{u}|{v}", real, st.sampled_from(("1.0.0", "9.9", ""))),
        st.sampled_from((*SYSTEMS, *CONTENT.concept_maps, f"{FUZZ_BASE}/ValueSet/x", "#vs1")),
    )


def cm_urls() -> st.SearchStrategy[str]:
    real = st.sampled_from(CONTENT.concept_maps)
    return st.one_of(
        real,
        real,
        st.builds(lambda u, v: f"{u}|{v}", real, st.sampled_from(("1.0.0", "9.9", ""))),
        st.sampled_from((*CONTENT.value_sets[:2], f"{FUZZ_BASE}/ConceptMap/x")),
    )


def cs_urls() -> st.SearchStrategy[str]:
    return st.sampled_from((*SYSTEMS, *SYSTEMS, HCPCS_HTTPS, f"{FUZZ_BASE}/CodeSystem/x"))


def canonicals() -> st.SearchStrategy[str]:
    return st.builds(
        lambda s, v: f"{s}|{v}", cs_urls(), st.sampled_from((*ALL_VERSIONS, "", "2099"))
    )


REAL: dict[str, st.SearchStrategy[str]] = {
    "code": st.sampled_from(ALL_CODES),
    "system": cs_urls() | st.sampled_from(CONTENT.value_sets[:2]),
    "version": st.sampled_from((*ALL_VERSIONS, "2099", "1.0.0")),
    "date": st.sampled_from(DATES),
    "vs_url": vs_urls(),
    "cm_url": cm_urls(),
    "cs_url": cs_urls(),
    "canonical": canonicals() | vs_urls(),
    "lang": st.sampled_from(LANGUAGES),
    "bool": st.sampled_from(BOOLEANS),
    "int": st.sampled_from(INTEGERS),
    "property": st.sampled_from(PROPERTIES),
    "filter": st.sampled_from(FILTER_TEXT),
    "display": st.sampled_from(
        (
            "Diagnostic chest CT, no IV contrast",
            "Chest X-ray",
            "chest ct",
            "Solitary pulmonary nodule",
        )
    ),
    "text": st.sampled_from(CONTENT.names),
}


#: Whether the request being drawn may hold hostile values ("calm" requests are well formed,
#: so that the campaign also reaches the code behind input validation). Set by ``operation``
#: from a draw of its own, so replaying the same draws gives the same request.
_HOSTILE = [True]


def junk(draw: st.DrawFn, one_in: int) -> bool:
    """True one time in ``one_in + 1`` (never in a calm request): take the hostile branch."""
    return _HOSTILE[0] and draw(st.integers(0, one_in)) == 0


@st.composite
def value(draw: st.DrawFn, kind: str) -> str:
    """A text value of ``kind``: usually real, sometimes hostile."""
    if junk(draw, 3):
        return draw(hostile_text)
    return draw(REAL.get(kind, REAL["text"]))


# --------------------------------------------------------------------------------------------
# FHIR data types and inline resources (real shapes, then broken ones).


@st.composite
def coding(draw: st.DrawFn) -> Any:
    if junk(draw, 9):
        return draw(wrong_json)
    system = draw(st.sampled_from(SYSTEMS))
    out: dict[str, Any] = {}
    if draw(st.integers(0, 5)):
        out["system"] = system if draw(st.booleans()) else draw(value("system"))
    codes = CONTENT.codes.get(system) or ALL_CODES
    if draw(st.integers(0, 5)):
        out["code"] = draw(st.sampled_from(codes) | value("code"))
    if draw(st.booleans()):
        out["version"] = draw(value("version"))
    if draw(st.booleans()):
        out["display"] = draw(value("display"))
    if junk(draw, 6):
        out[draw(st.sampled_from(("system", "code", "version", "display")))] = draw(wrong_json)
    return out


@st.composite
def codeable_concept(draw: st.DrawFn) -> Any:
    if junk(draw, 9):
        return draw(wrong_json)
    out: dict[str, Any] = {"coding": draw(st.lists(coding(), max_size=4))}
    if junk(draw, 8):
        out["coding"] = draw(wrong_json)
    if draw(st.booleans()):
        out["text"] = draw(wrong_json) if junk(draw, 4) else draw(value("display"))
    return out


@st.composite
def value_set_filter(draw: st.DrawFn) -> Any:
    if junk(draw, 9):
        return draw(wrong_json)
    out: dict[str, Any] = {
        "property": draw(st.sampled_from(("concept", "code", "parent", "inactive", *PROPERTIES))),
        "op": draw(st.sampled_from(FILTER_OPS)),
    }
    if junk(draw, 2):
        out["value"] = draw(
            st.one_of(st.sampled_from(CATASTROPHIC_REGEXES), value("code"), wrong_json, st.none())
        )
    else:
        out["value"] = draw(
            st.sampled_from(ALL_CODES)
            | st.sampled_from(
                (r"7125\d", r"C34.*", ".*", "[", "true", "false", "CT", "71250,71260")
            )
        )
    if junk(draw, 8):
        out[draw(st.sampled_from(("property", "op")))] = draw(wrong_json)
    return out


@st.composite
def include(draw: st.DrawFn) -> Any:
    if junk(draw, 3):
        return draw(st.sampled_from((5, "x", None, [], True, [{}])) | wrong_json)
    system = draw(st.sampled_from((*SYSTEMS, FUZZ_BASE + "/CodeSystem/fz")))
    out: dict[str, Any] = {}
    if draw(st.integers(0, 5)):
        out["system"] = system
    if draw(st.integers(0, 3)) == 0:
        out["version"] = draw(wrong_json) if junk(draw, 3) else draw(value("version"))
    how = draw(st.integers(0, 3))
    if how == 0:
        codes = CONTENT.codes.get(system) or ALL_CODES
        out["concept"] = draw(
            st.lists(
                st.one_of(
                    st.builds(lambda c: {"code": c}, st.sampled_from(codes)),
                    st.builds(
                        lambda c, d: {"code": c, "display": d},
                        st.sampled_from(codes),
                        value("display"),
                    ),
                ),
                max_size=5,
            )
        )
        if junk(draw, 3):
            out["concept"] += draw(
                st.lists(
                    st.builds(lambda c: {"code": c}, wrong_json)
                    | st.sampled_from((None, "71250", 5, [])),
                    min_size=1,
                    max_size=2,
                )
            )
    elif how == 1:
        out["filter"] = draw(st.lists(value_set_filter(), max_size=3))
    elif how == 2:
        refs = vs_urls() | st.sampled_from(("#inner", "#missing"))
        out["valueSet"] = draw(st.lists(refs | wrong_json if junk(draw, 3) else refs, max_size=3))
    if junk(draw, 8):
        key = draw(st.sampled_from(("concept", "filter", "valueSet", "system")))
        out[key] = draw(wrong_json)
    return out


@st.composite
def compose(draw: st.DrawFn) -> Any:
    if junk(draw, 2):
        return draw(
            st.sampled_from(
                ([], "x", 5, None, {}, {"include": 5}, {"include": "x"}, {"include": {}})
            )
            | wrong_json
        )
    out: dict[str, Any] = {"include": draw(st.lists(include(), min_size=1, max_size=3))}
    if draw(st.integers(0, 3)) == 0:
        out["exclude"] = (
            draw(wrong_json) if junk(draw, 6) else draw(st.lists(include(), max_size=2))
        )
    if draw(st.integers(0, 5)) == 0:
        out["inactive"] = draw(wrong_json) if junk(draw, 2) else draw(st.booleans())
    return out


@st.composite
def value_set(draw: st.DrawFn, contained: bool = True) -> Any:
    out: dict[str, Any] = {"resourceType": "ValueSet", "status": "active"}
    if draw(st.integers(0, 3)):
        out["url"] = draw(
            st.sampled_from((f"{FUZZ_BASE}/ValueSet/fz", *CONTENT.value_sets)) | value("vs_url")
        )
    if draw(st.booleans()):
        out["version"] = draw(value("version"))
    out["compose"] = draw(compose())
    if contained and draw(st.integers(0, 4)) == 0:
        inner = draw(value_set(contained=False))
        inner["id"] = "inner"
        out["contained"] = [inner]
    if junk(draw, 10):
        out[draw(st.sampled_from(("url", "version", "contained", "expansion", "status")))] = draw(
            wrong_json
        )
    return out


def diamond_value_sets(levels: int) -> list[dict[str, Any]]:
    """ValueSets each importing the one below twice: 2^levels paths to the bottom."""
    bottom = {"system": CPT, "concept": [{"code": "71250"}]}
    out = [
        {
            "resourceType": "ValueSet",
            "url": f"{FUZZ_BASE}/ValueSet/d0",
            "compose": {"include": [bottom]},
        }
    ]
    for i in range(1, levels + 1):
        below = f"{FUZZ_BASE}/ValueSet/d{i - 1}"
        out.append(
            {
                "resourceType": "ValueSet",
                "url": f"{FUZZ_BASE}/ValueSet/d{i}",
                "compose": {"include": [{"valueSet": [below]}, {"valueSet": [below]}]},
            }
        )
    return out


@st.composite
def concept(draw: st.DrawFn, codes: list[str], depth: int = 0) -> Any:
    if junk(draw, 11):
        return draw(st.sampled_from((None, "x", 5, [], {"code": 5}, {"display": "no code"})))
    code = draw(st.sampled_from(codes))
    out: dict[str, Any] = {"code": code}
    if draw(st.booleans()):
        out["display"] = draw(value("display"))
    if draw(st.integers(0, 3)) == 0:
        # parent / child properties, often naming each other: cycles are likely
        out["property"] = draw(
            st.lists(
                st.one_of(
                    st.builds(
                        lambda p, c: {"code": p, "valueCode": c},
                        st.sampled_from(("parent", "child")),
                        st.sampled_from(codes),
                    ),
                    st.builds(lambda c: {"code": "inactive", "valueBoolean": c}, st.booleans()),
                    st.builds(lambda c: {"code": "status", "valueCode": c}, value("code")),
                    st.sampled_from(({"code": "parent"}, {"valueCode": "A"}, None, "parent", 5)),
                ),
                max_size=3,
            )
        )
    if draw(st.integers(0, 5)) == 0:
        out["designation"] = draw(
            st.lists(
                st.one_of(
                    st.builds(
                        lambda v, lang: {"value": v, "language": lang},
                        value("display"),
                        value("lang"),
                    ),
                    st.sampled_from(({"language": "en"}, None, "x", {"value": 5})),
                ),
                max_size=2,
            )
        )
    if depth < 3 and draw(st.integers(0, 4)) == 0:
        out["concept"] = draw(st.lists(concept(codes, depth + 1), max_size=3))
    if junk(draw, 12):
        out[draw(st.sampled_from(("concept", "property", "designation", "display")))] = draw(
            wrong_json
        )
    return out


def deep_concepts(depth: int) -> list[dict[str, Any]]:
    node: dict[str, Any] = {"code": f"c{depth}"}
    for i in range(depth - 1, -1, -1):
        node = {"code": f"c{i}", "concept": [node]}
    return [node]


def cyclic_concepts(length: int) -> list[dict[str, Any]]:
    return [
        {"code": f"k{i}", "property": [{"code": "parent", "valueCode": f"k{(i + 1) % length}"}]}
        for i in range(length)
    ]


@st.composite
def code_system(draw: st.DrawFn) -> Any:
    out: dict[str, Any] = {"resourceType": "CodeSystem", "status": "active"}
    if draw(st.integers(0, 6)):
        out["url"] = draw(st.sampled_from((f"{FUZZ_BASE}/CodeSystem/fz", *SYSTEMS)))
    if draw(st.booleans()):
        out["version"] = draw(value("version"))
    out["content"] = draw(st.sampled_from(CS_CONTENT))
    if out["content"] == "supplement" or draw(st.integers(0, 8)) == 0:
        out["supplements"] = draw(cs_urls() | canonicals())
    codes = draw(
        st.lists(
            st.sampled_from(("A", "B", "C", "D", "71250", "G0296", BACKTRACK_CODE)) | value("code"),
            min_size=1,
            max_size=5,
        )
    )
    shape = draw(st.integers(0, 6)) if _HOSTILE[0] else 6
    if shape == 0:
        out["concept"] = deep_concepts(draw(st.integers(10, 400)))
    elif shape == 1:
        out["concept"] = cyclic_concepts(draw(st.integers(1, 50)))
    elif shape == 2:
        out["concept"] = draw(st.sampled_from(([None], ["x"], [5], "x", 5, {}, [[]])) | wrong_json)
    else:
        out["concept"] = draw(st.lists(concept(codes), max_size=6))
    if draw(st.integers(0, 4)) == 0:
        out["property"] = draw(
            st.lists(
                st.one_of(
                    st.builds(
                        lambda c, t: {"code": c, "type": t},
                        st.sampled_from(("parent", "child", "modality", "inactive")),
                        st.sampled_from(("code", "Coding", "string", "boolean", "bogus")),
                    ),
                    st.sampled_from(({"type": "code"}, None, "x", 5)),
                ),
                max_size=3,
            )
        )
    if draw(st.integers(0, 5)) == 0:
        out["hierarchyMeaning"] = draw(st.sampled_from(("is-a", "part-of", "grouped-by", "x")))
    if junk(draw, 10):
        key = draw(st.sampled_from(("url", "version", "content", "caseSensitive", "extension")))
        out[key] = draw(wrong_json)
    return out


EQUIVALENCES = ("equivalent", "wider", "narrower", "inexact", "disjoint", "unmatched", "x")
RELATIONSHIPS = ("equivalent", "source-is-broader-than-target", "not-related-to", "related-to")


@st.composite
def concept_map(draw: st.DrawFn) -> Any:
    """A ConceptMap a request brings: R4 or R5 targets, ``unmapped`` in each mode (an other map
    that is missing or is the map itself), and, hostile, elements of the wrong JSON types."""
    url = f"{FUZZ_BASE}/ConceptMap/fz"
    systems = st.sampled_from((*SYSTEMS, f"{FUZZ_BASE}/CodeSystem/fz"))
    target = st.builds(
        lambda c, e, r: {"code": c, **({"equivalence": e} if e else {"relationship": r})},
        st.sampled_from(ALL_CODES) | value("code"),
        st.sampled_from((*EQUIVALENCES, None)),
        st.sampled_from(RELATIONSHIPS),
    )
    element = st.builds(
        lambda c, t: {"code": c, "target": t},
        st.sampled_from(ALL_CODES[:50]) | value("code"),
        st.lists(target, max_size=3),
    )
    unmapped = st.sampled_from(
        (
            None,
            {"mode": "provided"},
            {"mode": "fixed", "code": "X"},
            {"mode": "other-map", "url": url},
            {"mode": "other-map", "url": f"{FUZZ_BASE}/ConceptMap/none"},
            {"mode": "other-map", "url": CONTENT.concept_maps[0]},
        )
    )
    group = st.builds(
        lambda s, t, e, u: {
            "source": s,
            "target": t,
            "element": e,
            **({"unmapped": u} if isinstance(u, dict) else {}),
        },
        systems,
        systems,
        st.lists(element, max_size=4),
        unmapped,
    )
    out: dict[str, Any] = {
        "resourceType": "ConceptMap",
        "url": url,
        "version": "1",
        "group": draw(st.lists(group, max_size=3)),
    }
    if junk(draw, 4):
        out[draw(st.sampled_from(("group", "url", "sourceUri", "targetScopeUri")))] = draw(
            wrong_json | st.sampled_from(([5], [{"element": 3}], [{"element": [{"target": {}}]}]))
        )
    return out


def resource() -> st.SearchStrategy[Any]:
    return st.one_of(
        code_system(),
        value_set(),
        st.sampled_from(
            (
                {"resourceType": "Patient"},
                {"resourceType": 5},
                {"resourceType": "ValueSet"},
                {"resourceType": "CodeSystem"},
            )
        ),
    )


# --------------------------------------------------------------------------------------------
# Operations: which parameters each reads (terminology/codec/inputs.py), and of what kind.

COMMON = {"displayLanguage": "lang", "useSupplement": "canonical", "tx-resource": "resource"}
VERSIONING = {
    "system-version": "canonical",
    "check-system-version": "canonical",
    "force-system-version": "canonical",
    "default-valueset-version": "canonical",
}
LOOKUP = {
    "code": "code",
    "system": "system",
    "version": "version",
    "coding": "coding",
    "date": "date",
    "property": "property",
    **COMMON,
}
CS_VALIDATE = {
    "url": "cs_url",
    "system": "system",
    "code": "code",
    "version": "version",
    "display": "display",
    "coding": "coding",
    "codeableConcept": "codeableConcept",
    "codeSystem": "codeSystem",
    "date": "date",
    "abstract": "bool",
    "activeOnly": "bool",
    "inferSystem": "bool",
    "lenient-display-validation": "bool",
    **COMMON,
    **VERSIONING,
}
VS_VALIDATE = {
    "url": "vs_url",
    "valueSet": "valueSet",
    "valueSetVersion": "version",
    "code": "code",
    "system": "system",
    "systemVersion": "version",
    "display": "display",
    "coding": "coding",
    "codeableConcept": "codeableConcept",
    "date": "date",
    "abstract": "bool",
    "activeOnly": "bool",
    "inferSystem": "bool",
    "lenient-display-validation": "bool",
    "valueset-membership-only": "bool",
    **COMMON,
    **VERSIONING,
}
EXPAND = {
    "url": "vs_url",
    "valueSet": "valueSet",
    "valueSetVersion": "version",
    "filter": "filter",
    "date": "date",
    "offset": "int",
    "count": "int",
    "includeDesignations": "bool",
    "designation": "lang",
    "includeDefinition": "bool",
    "activeOnly": "bool",
    "excludeNested": "bool",
    "excludeNotForUI": "bool",
    "property": "property",
    **COMMON,
    **VERSIONING,
}
TRANSLATE = {
    "url": "cm_url",
    "conceptMapVersion": "version",
    "code": "code",
    "system": "system",
    "version": "version",
    "coding": "coding",
    "codeableConcept": "codeableConcept",
    "source": "vs_url",
    "target": "vs_url",
    "targetsystem": "system",
    "reverse": "bool",
    "date": "date",
    "sourceCode": "code",
    "sourceSystem": "system",
    "sourceCoding": "coding",
    "sourceCodeableConcept": "codeableConcept",
    "targetCode": "code",
    "targetCoding": "coding",
    "targetCodeableConcept": "codeableConcept",
    "targetSystem": "system",
    "sourceScope": "vs_url",
    "targetScope": "vs_url",
    "conceptMap": "conceptMap",
    "tx-resource": "mapResource",
}


SUBSUMES = {
    "codeA": "code",
    "codeB": "code",
    "codingA": "coding",
    "codingB": "coding",
    "system": "system",
    "version": "version",
    "date": "date",
    "tx-resource": "resource",
}
#: The parameters a question usually carries (drawn more often than the others).
CORE = {
    "lookup": (("system", "code"), ("coding",), ("code",)),
    "cs-validate": (("url", "code"), ("system", "code"), ("coding",), ("codeableConcept",)),
    "vs-validate": (
        ("url", "system", "code"),
        ("url", "coding"),
        ("url", "codeableConcept"),
        ("valueSet", "system", "code"),
        ("valueSet", "coding"),
    ),
    "expand": (("url",), ("valueSet",), ("url", "filter"), ("url", "count", "offset")),
    "translate": (
        ("system", "code"),
        ("system", "code", "targetsystem"),
        ("system", "code", "reverse"),
        ("url", "system", "code", "date"),
        ("coding",),
        ("sourceSystem", "sourceCode", "targetSystem"),
        ("targetCode", "targetSystem", "sourceSystem"),
        ("conceptMap", "system", "code"),
        ("tx-resource", "system", "code"),
    ),
    "subsumes": (("system", "codeA", "codeB"), ("codingA", "codingB"), ("codeA", "codeB")),
}

#: JSON value[x] keys of each kind, right ones first.
VALUE_KEYS = {
    "code": ("valueCode", "valueString"),
    "system": ("valueUri", "valueCanonical"),
    "cs_url": ("valueUri", "valueCanonical", "valueUrl"),
    "vs_url": ("valueUri", "valueCanonical", "valueUrl"),
    "canonical": ("valueCanonical", "valueUri"),
    "version": ("valueString", "valueCode"),
    "date": ("valueDateTime", "valueDate"),
    "lang": ("valueCode",),
    "bool": ("valueBoolean",),
    "int": ("valueInteger",),
    "property": ("valueCode", "valueString"),
    "filter": ("valueString",),
    "display": ("valueString",),
    "coding": ("valueCoding",),
    "codeableConcept": ("valueCodeableConcept",),
}
WRONG_KEYS = ("valueInteger", "valueBoolean", "valueCoding", "valueString", "valueFoo", "value")


@st.composite
def json_value(draw: st.DrawFn, kind: str) -> tuple[str, Any]:
    """(value[x] key, value) for one parameter of ``kind`` in a Parameters body."""
    keys = VALUE_KEYS.get(kind, ("valueString",))
    if junk(draw, 7):
        return draw(st.sampled_from(WRONG_KEYS)), draw(wrong_json | value(kind))
    key = draw(st.sampled_from(keys))
    if kind == "coding":
        return key, draw(coding())
    if kind == "codeableConcept":
        return key, draw(codeable_concept())
    if kind == "bool":
        if junk(draw, 3):
            return key, draw(st.sampled_from(("true", 1, None)))
        return key, draw(st.booleans())
    if kind == "int":
        if junk(draw, 3):
            return key, draw(st.integers() | st.sampled_from((2**63, -(2**70), 1.5, "10")))
        return key, draw(st.integers(0, 2000))
    return key, draw(value(kind))


FZ_CS = f"{FUZZ_BASE}/CodeSystem/fz"
FZ_VS = f"{FUZZ_BASE}/ValueSet/fz"


@st.composite
def inline_scenario(draw: st.DrawFn, op: str) -> Any:
    """A coherent question about an inline (tx-resource) code system with hostile content (cycles,
    deep nesting, broken concepts, a code that makes regexes backtrack) and, for value-set
    operations, an inline value set filtering it: so the engine, not input checks, sees it."""
    cs = draw(code_system())
    cs.update(url=FZ_CS, content="complete")
    codes = (
        [c.get("code") for c in cs["concept"] if isinstance(c, dict)]
        if isinstance(cs["concept"], list)
        else []
    )
    codes = [c for c in codes if isinstance(c, str)] or ["A"]
    code = draw(st.sampled_from([*codes, BACKTRACK_CODE, "k0", "c0"]))
    criterion = draw(
        st.one_of(
            value_set_filter(),
            st.builds(
                lambda p, r: {"property": p, "op": "regex", "value": r},
                st.sampled_from(("code", "concept", "display")),
                st.sampled_from(CATASTROPHIC_REGEXES),
            ),
            st.builds(
                lambda o, v: {"property": "concept", "op": o, "value": v},
                st.sampled_from(("is-a", "descendent-of", "generalizes", "descendent-leaf")),
                st.sampled_from([*codes, "k0", "c0", "c1"]),
            ),
        )
    )
    vs = {
        "resourceType": "ValueSet",
        "url": FZ_VS,
        "status": "active",
        "compose": {"include": [{"system": FZ_CS, "filter": [criterion]}]},
    }
    params: list[dict[str, Any]] = [{"name": "tx-resource", "resource": cs}]
    if op == "lookup":
        params += [{"name": "system", "valueUri": FZ_CS}, {"name": "code", "valueCode": code}]
        params.append({"name": "property", "valueCode": "*"})
    elif op == "cs-validate":
        params += [{"name": "url", "valueUri": FZ_CS}, {"name": "code", "valueCode": code}]
    elif op == "subsumes":
        other = draw(st.sampled_from([*codes, "k0", "c1"]))
        params += [{"name": "system", "valueUri": FZ_CS}, {"name": "codeA", "valueCode": code}]
        params.append({"name": "codeB", "valueCode": other})
    else:
        params.append({"name": "tx-resource", "resource": vs})
        params.append({"name": "url", "valueUri": FZ_VS})
        if op == "vs-validate":
            params += [{"name": "system", "valueUri": FZ_CS}, {"name": "code", "valueCode": code}]
    return {"resourceType": "Parameters", "parameter": params}


def deep_part(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"name": "leaf", "valueString": "x"}
    for _ in range(depth):
        node = {"name": "nest", "part": [node]}
    return node


@st.composite
def json_parameter(draw: st.DrawFn, name: str, kind: str) -> Any:
    shape = draw(st.integers(0, 40)) if _HOSTILE[0] else 40
    if shape == 0:
        return draw(wrong_json)  # not an object
    if shape == 1:
        return {"valueString": "no name"} if draw(st.booleans()) else {"name": draw(wrong_json)}
    if shape == 2:
        return {"name": name, "part": draw(st.lists(json_parameter(name, kind), max_size=2))}
    if shape == 3:
        return {**deep_part(draw(st.integers(1, 400))), "name": name}
    if shape == 4:
        return {"name": name, "valueString": "a", "valueCode": "b"}
    if shape == 5:
        return {"name": name}
    if shape == 6:
        return {"name": name, "resource": draw(wrong_json | resource())}
    if shape == 7:
        return {"name": name, "part": draw(wrong_json)}
    if kind in ("resource", "valueSet", "codeSystem", "conceptMap", "mapResource"):
        if kind == "conceptMap":
            return {"name": name, "resource": draw(concept_map())}
        if kind == "mapResource":
            return {"name": name, "resource": draw(concept_map() | resource())}
        if kind == "valueSet":
            return {"name": name, "resource": draw(value_set())}
        if kind == "codeSystem":
            return {"name": name, "resource": draw(code_system())}
        return {"name": name, "resource": draw(resource())}
    key, val = draw(json_value(kind))
    return {"name": name, key: val}


@st.composite
def choose_parameters(draw: st.DrawFn, op: str, spec: dict[str, str]) -> list[tuple[str, str]]:
    """(name, kind) pairs: a usual core, some extra parameters, duplicates, unknown names."""
    chosen = list(draw(st.sampled_from(CORE[op]))) if draw(st.integers(0, 6)) else []
    chosen += draw(st.lists(st.sampled_from(sorted(spec)), max_size=4))
    if draw(st.integers(0, 8)) == 0:
        chosen += chosen[:1] * draw(st.integers(1, 3))  # the same parameter again
    if draw(st.integers(0, 10)) == 0:
        chosen.append(
            draw(st.sampled_from(("_format", "_pretty", "x-unknown", "", "code ", "CODE")))
        )
    return [(name, spec.get(name, "text")) for name in chosen]


def _quote(text: str) -> str:
    return quote(text, safe="", errors="surrogatepass")


def query_string(pairs: list[tuple[str, str]]) -> str:
    return urlencode(pairs, quote_via=quote, errors="surrogatepass")


def _json_bytes(document: Any, ascii_only: bool) -> bytes:
    return json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


#: Text forms GET and form bodies use for kinds that need POST (so they arrive malformed).
GET_FORMS = {
    "coding": st.sampled_from((f"{CPT}|71250", "71250", '{"system":"x","code":"y"}')),
    "codeableConcept": st.sampled_from(("71250", "{}")),
    "valueSet": st.sampled_from(('{"resourceType":"ValueSet"}', "x")),
    "codeSystem": st.sampled_from(('{"resourceType":"CodeSystem"}', "x")),
    "resource": st.sampled_from(('{"resourceType":"CodeSystem"}', "x")),
    "conceptMap": st.sampled_from(('{"resourceType":"ConceptMap"}', "x")),
    "mapResource": st.sampled_from(('{"resourceType":"ConceptMap"}', "x")),
}


@st.composite
def text_pairs(draw: st.DrawFn, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    pairs = []
    for name, kind in params:
        if kind in GET_FORMS:
            pairs.append((name, draw(GET_FORMS[kind] | hostile_text)))
        else:
            pairs.append((name, draw(value(kind))))
    return pairs


ACCEPTS = (
    None,
    None,
    None,
    "application/fhir+json",
    "application/json",
    "application/fhir+xml",
    "*/*",
    "text/html",
    "application/fhir+json; fhirVersion=4.0",
    "application/fhir+json; fhirVersion=5.0",
    "application/*;q=0",
    ";;;,,,",
    "text/xml;q=0.9, application/fhir+json;q=0.1",
    "application/xml",
    "application/fhir+xml;q=abc, */*;q=0.0001",
)


@st.composite
def headers(draw: st.DrawFn) -> dict[str, str]:
    # http.client refuses header values with surrounding white space or non-Latin-1 text
    printable = st.text(st.characters(min_codepoint=32, max_codepoint=126)).map(str.strip)
    out = {}
    accept = draw(st.sampled_from(ACCEPTS if junk(draw, 3) else ACCEPTS[:5]))
    if accept is not None:
        out["Accept"] = accept
    if draw(st.integers(0, 6)) == 0:
        out["Accept-Language"] = draw(
            printable if junk(draw, 2) else st.sampled_from(LANGUAGES[:-3])
        )
    if draw(st.integers(0, 10)) == 0:
        out["X-TOO-COSTLY-THRESHOLD"] = draw(st.sampled_from(INTEGERS)).strip()
    return out


@st.composite
def operation(draw: st.DrawFn, op: str, spec: dict[str, str], paths: list[str]) -> FuzzRequest:
    """A GET, a POSTed Parameters resource or a POSTed form for one operation: half of them
    calm (well formed, real values), half with hostile values mixed in."""
    _HOSTILE[0] = draw(st.booleans())
    try:
        return draw(_operation(op, spec, paths))
    finally:
        _HOSTILE[0] = True


@st.composite
def _operation(draw: st.DrawFn, op: str, spec: dict[str, str], paths: list[str]) -> FuzzRequest:
    path = draw(st.sampled_from(paths))
    if "{id}" in path:
        rtype = path.split("/")[1]
        rid = draw(st.sampled_from(CONTENT.ids[rtype]) | value("text"))
        path = path.replace("{id}", _quote(rid))
    params = draw(choose_parameters(op, spec))
    if junk(draw, 2):
        params.append(("tx-resource", "resource"))  # inline resources, often malformed
    label = f"{op} {'instance' if path.count('/') > 2 else 'type'}"
    how = draw(st.sampled_from(("GET", "GET", "json", "json", "json", "form", "xml")))
    hdrs = draw(headers())
    if how == "GET":
        query = query_string(draw(text_pairs(params)))
        return FuzzRequest(f"{label} GET", "GET", path, query, None, hdrs)
    if how == "form":
        hdrs["Content-Type"] = FORM
        body = query_string(draw(text_pairs(params))).encode()
        return FuzzRequest(f"{label} POST form", "POST", path, "", body, hdrs)
    parameters = [draw(json_parameter(name, kind)) for name, kind in params]
    document: Any = {"resourceType": "Parameters", "parameter": parameters}
    if junk(draw, 20):
        document = draw(
            st.sampled_from(
                (
                    {"resourceType": "Parameters", "parameter": "x"},
                    {"resourceType": "Parameters", "parameter": None},
                    {"resourceType": "Bundle"},
                    {"parameter": parameters},
                    [document],
                    None,
                )
            )
            | wrong_json
        )
    if junk(draw, 5):
        document = draw(inline_scenario(op))
    if op in ("vs-validate", "expand") and junk(draw, 25):
        # exponential imports through tx-resource value sets
        levels = draw(st.integers(2, 30))
        diamonds = diamond_value_sets(levels)
        document = {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "url", "valueUri": diamonds[-1]["url"]},
                {"name": "code", "valueCode": "71250"},
                {"name": "system", "valueUri": CPT},
                *({"name": "tx-resource", "resource": vs} for vs in diamonds),
            ],
        }
    query = ""
    if draw(st.integers(0, 5)) == 0:  # POST with parameters in the query string as well
        query = query_string(draw(text_pairs(draw(choose_parameters(op, spec)))))
    if (
        how == "xml"
        and isinstance(document, dict)
        and isinstance(document.get("resourceType"), str)
    ):
        # The same Parameters as FHIR XML (what XML can carry of a hostile one).
        hdrs["Content-Type"] = draw(st.sampled_from(XML_TYPES))
        return FuzzRequest(f"{label} POST xml", "POST", path, query, to_xml(document), hdrs)
    hdrs["Content-Type"] = draw(st.sampled_from(JSON_TYPES))
    body = _json_bytes(document, draw(st.booleans()))
    return FuzzRequest(f"{label} POST json", "POST", path, query, body, hdrs)


def lookup() -> st.SearchStrategy[FuzzRequest]:
    return operation("lookup", LOOKUP, ["/CodeSystem/$lookup", "/CodeSystem/{id}/$lookup"])


def cs_validate() -> st.SearchStrategy[FuzzRequest]:
    paths = ["/CodeSystem/$validate-code", "/CodeSystem/{id}/$validate-code"]
    return operation("cs-validate", CS_VALIDATE, paths)


def vs_validate() -> st.SearchStrategy[FuzzRequest]:
    paths = ["/ValueSet/$validate-code", "/ValueSet/{id}/$validate-code"]
    return operation("vs-validate", VS_VALIDATE, paths)


def expand() -> st.SearchStrategy[FuzzRequest]:
    return operation("expand", EXPAND, ["/ValueSet/$expand", "/ValueSet/{id}/$expand"])


def translate() -> st.SearchStrategy[FuzzRequest]:
    paths = ["/ConceptMap/$translate", "/ConceptMap/{id}/$translate"]
    return operation("translate", TRANSLATE, paths)


def subsumes() -> st.SearchStrategy[FuzzRequest]:
    paths = ["/CodeSystem/$subsumes", "/CodeSystem/{id}/$subsumes"]
    return operation("subsumes", SUBSUMES, paths)


#: Validations that are not one, among the well-formed ones of a batch.
BAD_VALIDATIONS = (
    {"name": "validation", "valueString": "x"},
    {"name": "validation", "resource": {"resourceType": "ValueSet"}},
    {"name": "validation"},
    {"name": "validation", "resource": {"resourceType": "Parameters", "parameter": [{}]}},
)


@st.composite
def batch_validate(draw: st.DrawFn) -> FuzzRequest:
    """``$batch-validate-code``: shared parameters and a few validations, each the parameters
    of one ``$validate-code`` (as hostile as that operation's), sometimes one that is not."""
    _HOSTILE[0] = draw(st.booleans())
    try:
        value_sets = draw(st.booleans())
        op, spec = ("vs-validate", VS_VALIDATE) if value_sets else ("cs-validate", CS_VALIDATE)
        shared = [draw(json_parameter(n, k)) for n, k in draw(choose_parameters(op, spec))]
        validations: list[Any] = []
        for _ in range(draw(st.integers(0, 5))):
            params = [draw(json_parameter(n, k)) for n, k in draw(choose_parameters(op, spec))]
            document = {"resourceType": "Parameters", "parameter": params}
            validations.append({"name": "validation", "resource": document})
        if junk(draw, 10):
            validations.insert(0, draw(st.sampled_from(BAD_VALIDATIONS)))
        body = {"resourceType": "Parameters", "parameter": [*shared, *validations]}
        hdrs = draw(headers())
        hdrs["Content-Type"] = draw(st.sampled_from(JSON_TYPES))
        path = f"/{'ValueSet' if value_sets else 'CodeSystem'}/$batch-validate-code"
        data = _json_bytes(body, draw(st.booleans()))
        return FuzzRequest("batch-validate POST json", "POST", path, "", data, hdrs)
    finally:
        _HOSTILE[0] = True


@st.composite
def metadata(draw: st.DrawFn) -> FuzzRequest:
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(("mode", "mode", "_format", "_summary", "x")),
                st.sampled_from(("terminology", "full", "normative", "json", "xml", "true"))
                | hostile_text,
            ),
            max_size=3,
        )
    )
    path = draw(st.sampled_from(("/metadata", "/metadata", "/$versions")))
    return FuzzRequest("metadata GET", "GET", path, query_string(pairs), None, draw(headers()))


SEARCH_NAMES = ("url", "version", "name", "title", "status", "_id")
MODIFIERS = ("", "", "", ":exact", ":contains", ":missing", ":below", ":bogus")


@st.composite
def search_pairs(draw: st.DrawFn, rtype: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.sampled_from((*SEARCH_NAMES, "_summary", "_elements", "_count", "_offset")))
        if name in SEARCH_NAMES:
            real = {
                "url": st.sampled_from((*SYSTEMS, *CONTENT.value_sets, *CONTENT.concept_maps)),
                "version": st.sampled_from(ALL_VERSIONS),
                "name": st.sampled_from(CONTENT.names),
                "title": st.sampled_from(CONTENT.names) | st.sampled_from(("chest", "CPT", "ct")),
                "status": st.sampled_from(("active", "draft", "retired", "active,draft")),
                "_id": st.sampled_from(CONTENT.ids[rtype]),
            }[name]
            pairs.append(
                (name + draw(st.sampled_from(MODIFIERS)), draw(real | real | hostile_text))
            )
        else:
            real = {
                "_summary": st.sampled_from(SUMMARY),
                "_elements": st.sampled_from(ELEMENTS),
                "_count": st.sampled_from(INTEGERS),
                "_offset": st.sampled_from(INTEGERS),
            }[name]
            pairs.append((name, draw(real | real | hostile_text)))
    return pairs


@st.composite
def read_or_search(draw: st.DrawFn) -> FuzzRequest:
    rtype = draw(st.sampled_from(("CodeSystem", "ValueSet", "ConceptMap")))
    hdrs = draw(headers())
    kind = draw(st.sampled_from(("read", "search GET", "search GET", "search POST")))
    if kind == "read":
        rid = draw(st.sampled_from(CONTENT.ids[rtype]) | value("text"))
        pairs = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(("_summary", "_elements")), st.sampled_from(SUMMARY + ELEMENTS)
                ),
                max_size=2,
            )
        )
        return FuzzRequest(
            "read GET", "GET", f"/{rtype}/{_quote(rid)}", query_string(pairs), None, hdrs
        )
    pairs = draw(search_pairs(rtype))
    if kind == "search GET":
        return FuzzRequest("search GET", "GET", f"/{rtype}", query_string(pairs), None, hdrs)
    hdrs["Content-Type"] = draw(st.sampled_from((FORM, FORM, FORM, "application/fhir+json")))
    body = query_string(pairs).encode()
    return FuzzRequest("search POST form", "POST", f"/{rtype}/_search", "", body, hdrs)


RAW_PATHS = (
    "/CodeSystem/$lookup",
    "/ValueSet/$expand",
    "/ValueSet/$validate-code",
    "/CodeSystem/$validate-code",
    "/CodeSystem/$subsumes",
    "/metadata",
    "/CodeSystem",
    "/ValueSet/_search",
    "/Patient/1",
    "/CodeSystem/$nope",
    "/CodeSystem/cpt-2024/$expand",
    "/ConceptMap/$translate",
    "/",
    "",
)
MALFORMED_BODIES = (
    b"",
    b"{",
    b'{"resourceType": "Parameters", ',
    b"null",
    b"[]",
    b'"Parameters"',
    b"\xff\xfe\x00",
    b'{"resourceType":"Parameters","parameter":[{"name":"code","valueCode":"71250"}]}\x00',
    b'{"resourceType":"Parameters","parameter":[]} trailing',
    b'{"resourceType":"Parameters","resourceType":"Bundle"}',
    b'{"resourceType":"Parameters","parameter":[{"name":"code","valueCode":"\\ud800"}]}',
    b"code=71250&system=" + CPT.encode(),
    b"%ff=%fe&code=%",
    b"<Parameters xmlns='http://hl7.org/fhir'/>",
    b"\x00" * 64,
    b"[" * 5000 + b"]" * 5000,
    b'{"resourceType":"Parameters","parameter":' + b"[" * 3000 + b"]" * 3000 + b"}",
    # XML: hostile (entities, external references, depth) and not FHIR
    b'<!DOCTYPE p [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Parameters xmlns="http://hl7.org/fhir">'
    b'<parameter><name value="&c;"/></parameter></Parameters>',
    b'<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Parameters '
    b'xmlns="http://hl7.org/fhir"><parameter><name value="&x;"/></parameter></Parameters>',
    b'<!DOCTYPE Parameters SYSTEM "http://127.0.0.1:1/x.dtd"><Parameters xmlns="http://hl7.org/fhir"/>',
    b"<Parameters xmlns='http://hl7.org/fhir'>" + b"<parameter><part>" * 20_000,
    b"<Parameters xmlns='http://hl7.org/fhir'><parameter><name value='code'/>"
    b"<valueCode value='71250'/><valueCode value='71260'/></parameter></Parameters>",
    b"<Parameters xmlns='http://hl7.org/fhir'><parameter><name value='x'/><part>"
    b"<Patient/></part></parameter>text</Parameters>",
    b"<Bundle xmlns='http://hl7.org/fhir'><type value='batch'/><entry><request>"
    b"<method value='GET'/><url value='metadata'/></request></entry></Bundle>",
    b"<Parameters xmlns='urn:not-fhir'/>",
    b"<?xml version='1.0' encoding='utf-16'?><Parameters xmlns='http://hl7.org/fhir'/>",
)
CONTENT_TYPES = (
    None,
    "application/fhir+json",
    "application/json; charset=latin-1",
    "application/fhir+json; fhirVersion=3.0",
    "application/fhir+xml",
    "application/xml",
    "text/xml; charset=utf-8",
    "text/plain",
    "multipart/form-data; boundary=x",
    FORM,
    "application/x-www-form-urlencoded; charset=utf-16",
    "",
    ";",
    "APPLICATION/FHIR+JSON",
)


@st.composite
def raw(draw: st.DrawFn) -> FuzzRequest:
    """Requests outside the grammar: malformed bodies, wrong media types and methods, odd paths."""
    method = draw(
        st.sampled_from(("GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD"))
    )
    path = draw(st.sampled_from(RAW_PATHS))
    if draw(st.integers(0, 6)) == 0:
        path += "/" + _quote(draw(hostile_text))
    body = draw(
        st.sampled_from(MALFORMED_BODIES)
        | st.binary(max_size=64)
        | st.builds(lambda b: _json_bytes(b, True), wrong_json)
        | st.builds(
            lambda n: b'{"resourceType":"Parameters","parameter":[' + b" " * n + b"]}",
            st.sampled_from((1, 5 * 1024 * 1024)),
        )
    )
    hdrs = draw(headers())
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type is not None:
        hdrs["Content-Type"] = content_type
    if method in ("GET", "HEAD", "DELETE") and draw(st.booleans()):
        body = None
    return FuzzRequest(f"raw {method}", method, path, "", body, hdrs)


def requests() -> st.SearchStrategy[FuzzRequest]:
    """Every kind of request, the terminology operations most often."""
    return st.one_of(
        lookup(),
        cs_validate(),
        vs_validate(),
        expand(),
        lookup(),
        cs_validate(),
        vs_validate(),
        expand(),
        translate(),
        subsumes(),
        batch_validate(),
        metadata(),
        read_or_search(),
        raw(),
    )


_RUN = re.compile(r"(.{1,8}?)\1{15,}", re.DOTALL)


def abbreviate(text: str, limit: int = 2000) -> str:
    """Long runs of a repeated unit as ``<'unit' x N>``, then the whole cut to ``limit``."""

    def shorten(match: re.Match[str]) -> str:
        unit = match.group(1)
        return f"<{unit!r} x {len(match.group(0)) // len(unit)}>"

    short = _RUN.sub(shorten, text)
    return short if len(short) <= limit else short[:limit] + f"... ({len(short)} chars)"
