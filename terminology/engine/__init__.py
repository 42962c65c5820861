"""Value-set logic written only against the provider interface."""
