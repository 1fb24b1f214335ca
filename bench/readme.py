"""bench/README.md's results table, generated from bench/results/latest.json.

Only the block between `BEGIN` and `END` is generated (`bench.table.render` of the results
file, as `python -m bench` prints it); the prose around it is written by hand and names no
figure of the latest run. `python -m tools.regen` rewrites the block, so a rerun of
`python -m bench` followed by it keeps the README equal to the results, and
`python -m tools.regen --check` names the README while it is not.

`python -m bench.readme [--readme PATH] [--results PATH] --output PATH`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench.table import render

BENCH = Path(__file__).resolve().parent
BEGIN = "<!-- generated from bench/results/latest.json by `python -m tools.regen`: do not edit by hand -->"
END = "<!-- end of the generated results -->"


def with_results(readme: str, report: dict[str, Any]) -> str:
    """`readme` with the block between the markers replaced by the table of `report`."""
    head, begin, rest = readme.partition(BEGIN)
    _old, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"bench/README.md lacks the markers of its generated block: put {BEGIN!r} "
                         f"and {END!r} around the results table")
    return f"{head}{BEGIN}\n\n{render(report)}\n\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readme", description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--readme", type=Path, default=BENCH / "README.md")
    parser.add_argument("--results", type=Path, default=BENCH / "results" / "latest.json")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    report: dict[str, Any] = json.loads(args.results.read_text())
    args.output.write_text(with_results(args.readme.read_text(), report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
