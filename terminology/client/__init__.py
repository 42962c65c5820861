"""A Python client of this (or any FHIR R4) terminology server, built on ``requests``.

from terminology.client import TerminologyClient
with TerminologyClient("http://127.0.0.1:8080/fhir") as tx:
    print(tx.lookup(system="http://www.ama-assn.org/go/cpt", code="71250").display)
"""

from terminology.client.client import TerminologyClient
from terminology.client.errors import TerminologyClientError
from terminology.client.results import (
    Capabilities,
    CodeableConcept,
    Coding,
    ExpansionContains,
    ExpansionPage,
    Issue,
    LookupResult,
    SubsumesResult,
    TranslateResult,
    ValidateCodeResult,
    ValidationOutcome,
)

__all__ = [
    "Capabilities",
    "CodeableConcept",
    "Coding",
    "ExpansionContains",
    "ExpansionPage",
    "Issue",
    "LookupResult",
    "SubsumesResult",
    "TerminologyClient",
    "TerminologyClientError",
    "TranslateResult",
    "ValidateCodeResult",
    "ValidationOutcome",
]
