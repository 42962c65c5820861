"""Where a validate-code issue points, and how a coding is quoted in its text.

Issue expressions follow the shape of the request: ``code`` for a bare code, ``Coding.code``
for a Coding, ``CodeableConcept.coding[1].code`` for the second coding of a CodeableConcept.
"""

from __future__ import annotations

from terminology.messages import Whole, shorten
from terminology.model import Coding


def coding_path(form: str, index: int) -> str:
    """The path of the ``index``-th coding of a request given in ``form``."""
    if form == "codeableConcept":
        return f"CodeableConcept.coding[{index}]"
    return "Coding" if form == "coding" else ""


def add_to_path(path: str, element: str) -> str:
    return f"{path}.{element}" if path else element


def quote_coding(system: str, coding: Coding) -> str:
    """A coding quoted into a message, each client part shortened."""
    system, code = shorten(system, 120), shorten(coding.code or "", 120)
    version = f"|{shorten(coding.version, 60)}" if coding.version else ""
    text = f"{system}{version}#{code}"
    if coding.display:
        text += f" ('{shorten(coding.display, 120)}')"
    return Whole(f"'{text}'")


def quote_codings(quoted: list[str]) -> str:
    """At most ten quoted codings (a CodeableConcept may carry hundreds)."""
    return Whole(", ".join(quoted[:10]) + (", …" if len(quoted) > 10 else ""))
