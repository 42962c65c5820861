"""``python -m terminology.authoring [--check] [--out DIR]``: regenerate or check valuesets/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from terminology.authoring import DEFAULT_OUT, differences, render, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m terminology.authoring",
        description="Generate the FHIR JSON content in valuesets/ from the authoring tables.",
    )
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 and list the files that differ from the generated ones",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    files = render()
    if args.check:
        diffs = differences(args.out, files)
        for name in diffs:
            print(name)
        if diffs:
            print(f"{len(diffs)} file(s) differ from the generator; run "
                  "`python -m terminology.authoring`", file=sys.stderr)
            return 1
        print(f"{len(files)} files up to date", file=sys.stderr)
        return 0
    changed = write(args.out, files)
    for name in changed:
        print(name)
    print(f"{len(files)} files, {len(changed)} changed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
