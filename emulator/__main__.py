"""``python -m emulator serve|reset``: the same commands as ``reconcile emulator``."""

from __future__ import annotations

import argparse
import sys

from emulator.cli import register


def main(argv: list[str] | None = None) -> int:
    """Parse and run one emulator command."""
    parser = argparse.ArgumentParser(prog="python -m emulator")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
