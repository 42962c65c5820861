"""One provider per terminology behind one small interface."""
