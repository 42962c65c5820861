"""One module per operation: plain dataclasses in, plain dataclasses out."""
