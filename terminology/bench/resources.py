"""Realistic orders and claims for the ``$validate`` rows, generated from the content we ship,
and the in-process cost of each stage of validating them.

Most resources are clean (a chest-imaging procedure for an indication, on a FY2026 date of
service); about one in six carries a mistake coders make (a deleted code, a header diagnosis,
a pointer to no diagnosis, 26 with TC), so the rows measure the error paths too.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from terminology.checks.codings import CodingChecks
from terminology.checks.ncci import NcciRules
from terminology.checks.profiles import Profile, read_profiles
from terminology.checks.validate import ResourceValidator
from terminology.codec.resource_structure import structure_problems
from terminology.config import Settings, default_conformance_dir
from terminology.operations.context import Services
from terminology.uris import CPT, HCPCS, ICD10CM, SNOMED

_PROCEDURES = (
    "71045",
    "71046",
    "71047",
    "71048",
    "71250",
    "71260",
    "71270",
    "71271",
    "71275",
    "71550",
    "71551",
    "71552",
    "71555",
)
_INDICATIONS = (
    "R91.1",
    "R05.1",
    "R05.9",
    "R06.02",
    "J18.9",
    "J44.1",
    "C34.11",
    "I26.99",
    "Z87.891",
    "F17.210",
    "R07.9",
    "J90",
    "S22.31XA",
    "J84.10",
    "I71.20",
)
_MISTAKES = ("deleted", "header", "pointer", "components")
_FIRST_DAY = date(2025, 10, 1)


def _day(rng: random.Random) -> str:
    return (_FIRST_DAY + timedelta(days=rng.randrange(360))).isoformat()


def claims(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        day = _day(rng)
        mistake = rng.choice(_MISTAKES) if n % 6 == 5 else None
        diagnoses = rng.sample(_INDICATIONS, rng.randint(1, 3))
        if mistake == "header":
            diagnoses[0] = "R05"
        items = []
        for seq in range(1, rng.randint(1, 3) + 1):
            code = rng.choice(_PROCEDURES)
            if mistake == "deleted" and seq == 1:
                code = "71020"
            item: dict[str, Any] = {
                "sequence": seq,
                "productOrService": {"coding": [{"system": CPT, "code": code}]},
                "servicedDate": day,
                "diagnosisSequence": [rng.randint(1, len(diagnoses))],
                "unitPrice": {"value": 120.0, "currency": "USD"},
            }
            if mistake == "pointer" and seq == 1:
                item["diagnosisSequence"] = [len(diagnoses) + 1]
            if rng.random() < 0.4 or (mistake == "components" and seq == 1):
                item["modifier"] = [{"coding": [{"system": CPT, "code": "26"}]}]
                if mistake == "components" and seq == 1:
                    item["modifier"].append({"coding": [{"system": HCPCS, "code": "TC"}]})
            items.append(item)
        out.append(
            {
                "resourceType": "Claim",
                "id": f"bench-claim-{n}",
                "status": "active",
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                            "code": "professional",
                        }
                    ]
                },
                "use": "claim",
                "patient": {"reference": f"Patient/p{n}"},
                "billablePeriod": {"start": day},
                "created": day,
                "provider": {"reference": "Organization/radiology"},
                "priority": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                            "code": "normal",
                        }
                    ]
                },
                "insurance": [
                    {"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/c{n}"}}
                ],
                "diagnosis": [
                    {
                        "sequence": i,
                        "diagnosisCodeableConcept": {"coding": [{"system": ICD10CM, "code": code}]},
                    }
                    for i, code in enumerate(diagnoses, start=1)
                ],
                "item": items,
            }
        )
    return out


def orders(count: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        code = rng.choice(_PROCEDURES)
        reason = rng.choice(_INDICATIONS)
        if n % 6 == 5:
            code, reason = rng.choice((("71020", reason), (code, "J18")))
        out.append(
            {
                "resourceType": "ServiceRequest",
                "id": f"bench-order-{n}",
                "status": "active",
                "intent": "order",
                "category": [{"coding": [{"system": SNOMED, "code": "363679005"}]}],
                "code": {"coding": [{"system": CPT, "code": code}]},
                "subject": {"reference": f"Patient/p{n}"},
                "occurrenceDateTime": _day(rng),
                "reasonCode": [{"coding": [{"system": ICD10CM, "code": reason}]}],
            }
        )
    return out


def bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:bench-{i}", "resource": r} for i, r in enumerate(resources)
        ],
    }


#: Resources of each kind the stage costs are measured on.
STAGE_RESOURCES = 1000


def measured_stage_costs() -> dict[str, float]:
    """The cost of each stage of validating the generated resources, in this process, on the
    content and rules a server started from the same settings would use."""
    from terminology.app import build_services, read_ncci_rules

    settings = Settings.from_env()
    resources = [*claims(STAGE_RESOURCES), *orders(STAGE_RESOURCES)]
    profiles = read_profiles(default_conformance_dir())
    return stage_costs(
        build_services(settings), profiles, resources, read_ncci_rules(settings.content_dir)
    )


def stage_costs(
    services: Services,
    profiles: Mapping[str, Profile],
    resources: list[dict[str, Any]],
    ncci: NcciRules | None = None,
) -> dict[str, float]:
    """Microseconds per resource spent in each stage, validating ``resources`` twice in this
    process (the second pass is timed: the memos are warm, as on a busy server)."""
    validator = ResourceValidator(services, profiles, ncci)
    spent = {"parse and structure": 0.0, "bindings and codes": 0.0}
    original: Callable[..., Any] = CodingChecks.check

    def timed_check(self: CodingChecks, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent["bindings and codes"] += time.perf_counter() - started

    def structure(resource: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        started = time.perf_counter()
        found = [(p.relative, p.text, p.code) for p in structure_problems(resource)]
        spent["parse and structure"] += time.perf_counter() - started
        return found

    for resource in resources:
        validator.resource(resource, structure)
    spent = dict.fromkeys(spent, 0.0)
    CodingChecks.check = timed_check  # type: ignore[method-assign]
    try:
        started = time.perf_counter()
        for resource in resources:
            validator.resource(resource, structure)
        total = time.perf_counter() - started
    finally:
        CodingChecks.check = original  # type: ignore[method-assign]
    rules = total - sum(spent.values())
    per = 1e6 / max(len(resources), 1)
    return {
        **{stage: seconds * per for stage, seconds in spent.items()},
        "rules": rules * per,
        "total": total * per,
    }


def measured_payer_rule_cost(rounds: int = 5) -> dict[str, float]:
    """Claims per second validated in this process with the payer rules (NCD 210.14, NCCI
    pairs and units) and without them, on the generated claims: what the rules cost."""
    from terminology.app import build_services, read_ncci_rules

    settings = Settings.from_env()
    services = build_services(settings)
    profiles = read_profiles(default_conformance_dir())
    ncci = read_ncci_rules(settings.content_dir)
    generated = claims(STAGE_RESOURCES)
    validators = {
        "with": ResourceValidator(services, profiles, ncci),
        "without": ResourceValidator(services, profiles, ncci, payer_rules=False),
    }

    def structure(resource: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return [(p.relative, p.text, p.code) for p in structure_problems(resource)]

    best = dict.fromkeys(validators, 0.0)
    for _ in range(rounds):  # alternate, so drift in the machine's speed hits both alike
        for name, validator in validators.items():
            started = time.perf_counter()
            for claim in generated:
                validator.resource(claim, structure)
            rate = len(generated) / (time.perf_counter() - started)
            best[name] = max(best[name], rate)
    return {"claims_per_s_with": best["with"], "claims_per_s_without": best["without"]}
