"""Runs one benchmark item in this process and prints its result as JSON
(the suite runs each item in its own process, so memory and threads of one
item never reach another): ``python -m bench.child ITEM [--quick]``."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

ITEMS = ("noop", "apply_lro", "scale", "throttled", "startup", "soak", "graph", "graph_detection")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child", description=__doc__)
    parser.add_argument("item", choices=ITEMS)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    module = importlib.import_module(f"bench.{args.item}")
    result = module.run(quick=args.quick)
    print(json.dumps(result.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
