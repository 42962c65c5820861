"""FHIR R4 terminology server for chest-imaging procedure codes and their indications."""

__version__ = "0.1.0"

__all__ = ["__version__"]
