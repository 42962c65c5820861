"""The settings a command runs with: its flags over the ``TERMINOLOGY_*`` variables."""

from __future__ import annotations

import argparse
import sys

from terminology.config import Settings


def settings_of(args: argparse.Namespace) -> Settings:
    """The command's settings; a bad value ends the command with its message."""
    try:
        return Settings.from_env(
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            workers=getattr(args, "workers", None),
            content_dir=getattr(args, "content_dir", None),
            store=getattr(args, "store", None),
        )
    except ValueError as exc:
        sys.exit(f"terminology: {exc}")
