"""``terminology bench``: measures the server against a bare-Flask ceiling in one run."""
