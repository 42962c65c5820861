"""FHIR JSON in and out: turns requests into plain objects and results into FHIR dicts."""
